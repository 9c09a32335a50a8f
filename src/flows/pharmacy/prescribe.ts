import type { Address, Hex } from 'viem'
import type { PreparedWriteBack } from '../../core/careLoop/writeBack.ts'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import { withPrescriptionToken } from '../../core/pharmacy/pharmacyRecords.ts'
import {
  checkPrescriptionTerms,
  encodePrescriptionToken,
  newPrescriptionSalt,
  prescriptionHash,
  prescriptionTypedData,
  type PrescriptionToken,
} from '../../core/pharmacy/prescription.ts'
import { checkCancelled, silentProgress, type FlowProgress } from '../consent/flowProgress.ts'
import { sendWriteBack, type SendWriteBackParameters, type SendWriteBackReturnType } from '../careLoop/sendWriteBack.ts'

/** The steps `prescribe` reports, in order. */
export const prescribeSteps = [
  'Signing the prescription for the pharmacy',
  'Signing the record with your account',
  'Sealing it for the patient only',
  'Handing it to the patient’s browser',
  'Leaving it in the patient’s mailbox',
] as const

/** How long a prescription can be dispensed by default: 90 days. */
export const defaultPrescriptionValidDays = 90

export type PrescribeParameters = Omit<SendWriteBackParameters, 'resource' | 'doctor' | 'progress' | 'scope'> & {
  /** The MedicationRequest (buildPrescription), with any overridden warnings already kept (withOverriddenWarnings). */
  request: FhirResource
  doctor: {
    account: Address
    /** The wallet's EIP-712 signer: signs the prescription, then the write-back. */
    signTypedData: (typedData: PreparedWriteBack['typedData'] | ReturnType<typeof prescriptionTypedData>) => Promise<Hex>
  }
  /** The Pharmacy contract (the prescription's EIP-712 verifying contract). */
  pharmacy: Address
  validDays?: number
  progress?: FlowProgress
}

export type PrescribeReturnType = SendWriteBackReturnType & { token: PrescriptionToken; rxHash: Hex }

/**
 * The doctor prescribes: signs a PrescriptionToken over the MedicationRequest (a fresh salt,
 * repeats from its dispenseRequest, valid `validDays`), then writes the MedicationRequest back
 * to the patient through the care loop with the encoded token in its extension, so the token
 * reaches the patient with the record, signed and sealed to them alone.
 */
export async function prescribe(p: PrescribeParameters): Promise<PrescribeReturnType> {
  const progress = p.progress ?? silentProgress
  const issuedAt = Math.floor((p.now?.() ?? Date.now()) / 1000)
  const repeats = Number((p.request.dispenseRequest as { numberOfRepeatsAllowed?: number } | undefined)?.numberOfRepeatsAllowed ?? 0)
  const terms = {
    medicationRequest: p.request,
    salt: newPrescriptionSalt(),
    repeats,
    issuedAt,
    notAfter: issuedAt + Math.round((p.validDays ?? defaultPrescriptionValidDays) * 86_400),
    doctor: p.doctor.account,
  }
  checkPrescriptionTerms(terms)
  progress.begin(0)
  const signature = await p.doctor.signTypedData(prescriptionTypedData(terms, { chainId: p.deployment.chainId, pharmacy: p.pharmacy }))
  const token: PrescriptionToken = { ...terms, signature }
  const resource = withPrescriptionToken(p.request, encodePrescriptionToken(token))
  progress.finish(0)
  checkCancelled(p.signal)
  const shifted: FlowProgress = {
    begin: (step) => progress.begin(step + 1),
    detail: (step, detail) => progress.detail(step + 1, detail),
    finish: (step) => progress.finish(step + 1),
  }
  const sent = await sendWriteBack({ ...p, resource, doctor: p.doctor, progress: shifted })
  return { ...sent, token, rxHash: prescriptionHash(token) }
}
