import type { Address, Hex } from 'viem'
import { getProviderCertifications } from '../../chain/getProviderCertifications.ts'
import { getRoleHistory } from '../../chain/getRoleHistory.ts'
import { hasRegistryRole } from '../../chain/hasRegistryRole.ts'
import { readProvider } from '../../chain/readProvider.ts'
import type { ProviderEntry } from '../../chain/providerEntry.ts'
import { overriddenWarningsOf } from '../../core/pharmacy/pharmacyRecords.ts'
import {
  decodePrescriptionToken,
  prescriptionHash,
  verifyPrescriptionSignature,
  type PrescriptionToken,
} from '../../core/pharmacy/prescription.ts'
import { PrescriptionInvalidError } from '../../core/pharmacy/prescriptionErrors.ts'
import { roleHeldAt } from '../inbox/verifyProvenance.ts'
import type { PharmacyChain } from './pharmacyChain.ts'
import type { PrescriptionRefusal } from './pharmacyFlowErrors.ts'

/** A prescription as the pharmacist sees it before dispensing: what, by whom (verified), and what the chain says. */
export type PrescriptionReview = {
  token: PrescriptionToken
  /** The encoded token (what the QR or the patient's message held). */
  text: string
  rxHash: Hex
  medication: string
  dosage: string
  signature: boolean
  doctor: {
    account: Address
    entry?: ProviderEntry
    /** Held DOCTOR on the day the prescription was signed (issuedAt). */
    certifiedAtIssue: boolean
    certifiedNow: boolean
    /** The authority that certified them (the certification in force at issuedAt). */
    certifiedBy?: Address
    /** Unix seconds: since when (that certification's block). */
    certifiedSince?: number
  }
  issuedAt: number
  notAfter: number
  /** Dispenses allowed: repeats + 1. */
  fills: number
  dispensed: number
  /** Dispenses still allowed (the first fill included while it has not been made). */
  fillsLeft: number
  /** Repeats (refills after the first fill) not yet used. */
  repeatsLeft: number
  /** The doctor's overridden prescribing warnings, with their reasons. */
  warnings: ReturnType<typeof overriddenWarningsOf>
  /** Set when it cannot be dispensed now. */
  refusal?: PrescriptionRefusal
}

/**
 * The pharmacist reads a prescription (the QR's text or a message's token): decodes it
 * strictly (PrescriptionFormatError), checks the doctor's EIP-712 signature for this
 * deployment, the doctor's certification on the Registry at the date of prescribing and
 * now (with who certified them), the dispenses the chain counted and the expiry. Read
 * errors throw; a prescription that cannot be dispensed comes back with `refusal`.
 */
export async function verifyPrescription(text: string, chain: PharmacyChain, now: () => number = Date.now): Promise<PrescriptionReview> {
  const token = decodePrescriptionToken(text)
  const rxHash = prescriptionHash(token)
  let signature = true
  try {
    await verifyPrescriptionSignature(token, { chainId: chain.chainId, pharmacy: chain.pharmacy })
  } catch (error) {
    if (!(error instanceof PrescriptionInvalidError)) throw error
    signature = false
  }
  const [history, certifications, certifiedNow, entry, dispensed] = await Promise.all([
    getRoleHistory(chain.client, { registry: chain.registry, role: 'doctor', account: token.doctor, fromBlock: chain.registryFromBlock }),
    getProviderCertifications(chain.client, { registry: chain.registry, role: 'doctor', accounts: [token.doctor], fromBlock: chain.registryFromBlock }),
    hasRegistryRole(chain.client, { registry: chain.registry, role: 'doctor', account: token.doctor }),
    readProvider(chain.client, { registry: chain.registry, account: token.doctor }),
    chain.dispenseCount(rxHash),
  ])
  const certifiedAtIssue = roleHeldAt(history.changes, token.issuedAt)
  // The certification in force at issuedAt: the last certify before the grant that held then.
  const grantAtIssue = history.changes.filter((change) => change.held && change.timestamp <= token.issuedAt).at(-1)
  const certification = grantAtIssue ? certifications.filter((c) => c.certified && c.blockNumber <= grantAtIssue.blockNumber).at(-1) : undefined
  const fills = token.repeats + 1
  const request = token.medicationRequest
  const medication = String((request.medicationCodeableConcept as { text?: string } | undefined)?.text ?? 'Medication')
  const dosage = String((request.dosageInstruction as { text?: string }[] | undefined)?.[0]?.text ?? '')
  const expired = Math.floor(now() / 1000) > token.notAfter
  const refusal: PrescriptionRefusal | undefined = !signature
    ? 'bad-signature'
    : !certifiedAtIssue
      ? 'not-doctor-at-issue'
      : !certifiedNow
        ? 'decertified-doctor'
        : expired
          ? 'expired'
          : dispensed >= fills
            ? fills === 1
              ? 'already-dispensed'
              : 'no-repeats-left'
            : undefined
  return {
    token,
    text,
    rxHash,
    medication,
    dosage,
    signature,
    doctor: {
      account: token.doctor,
      ...(entry ? { entry } : {}),
      certifiedAtIssue,
      certifiedNow,
      ...(certification ? { certifiedBy: certification.authority } : {}),
      ...(grantAtIssue ? { certifiedSince: grantAtIssue.timestamp } : {}),
    },
    issuedAt: token.issuedAt,
    notAfter: token.notAfter,
    fills,
    dispensed,
    fillsLeft: Math.max(0, fills - dispensed),
    repeatsLeft: repeatsLeft(token.repeats, dispensed),
    warnings: overriddenWarningsOf(request),
    ...(refusal ? { refusal } : {}),
  }
}

/** Refills not yet used: all of them before the first fill, then one fewer per dispense. */
export function repeatsLeft(repeats: number, dispensed: number): number {
  return dispensed === 0 ? repeats : Math.max(0, repeats + 1 - dispensed)
}
