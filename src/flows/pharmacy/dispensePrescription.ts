import type { Address, Hex } from 'viem'
import { mailboxAddress } from '../../core/careLoop/mailboxKeys.ts'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import { pharmacyNoticeDigest, prescriptionReplyKey, sealPharmacyNotice, type PharmacyNotice } from '../../core/pharmacy/pharmacyMessages.ts'
import { buildMedicationDispense, buildPharmacyInvoice, buildRefusedDispense, type PharmacistAuthor } from '../../core/pharmacy/pharmacyRecords.ts'
import { hasRegistryRole } from '../../chain/hasRegistryRole.ts'
import type { MailboxAccess } from '../careLoop/mailboxAccess.ts'
import { checkCancelled, silentProgress, type FlowProgress } from '../consent/flowProgress.ts'
import type { PharmacyChain } from './pharmacyChain.ts'
import { PrescriptionRefusedError } from './pharmacyFlowErrors.ts'
import type { PrescriptionReview } from './verifyPrescription.ts'

/** The steps `dispensePrescription` reports, in order. */
export const dispenseSteps = ['Checking the prescription and your certification', 'Recording the dispense on chain', 'Signing the dispense record and the invoice', 'Sending them to the patient'] as const

/** How long a notice waits in the patient's mailbox: 30 days. */
const noticeTtlSeconds = 30 * 86_400

export type DispensePrescriptionParameters = {
  review: PrescriptionReview
  /** Wei, what the invoice asks. */
  price: bigint
  pharmacist: PharmacistAuthor & { account: Address }
  chain: PharmacyChain
  /** The pharmacist's account signs the notice (EIP-191, raw digest). */
  signMessage: (digest: Hex) => Promise<Hex>
  mailbox: Pick<MailboxAccess, 'post'>
  progress?: FlowProgress
  signal?: AbortSignal
  now?: () => number
}

export type DispensePrescriptionReturnType = { invoiceId: bigint; dispenseNumber: number; txHash: Hex; dispense: FhirResource; invoice: FhirResource }

/**
 * The pharmacist dispenses: refuses early what the chain would refuse (the review's
 * refusal, or an account that is not a certified pharmacist), records the dispense on chain
 * (the Pharmacy contract counts it and opens the invoice), then signs a MedicationDispense
 * and a FHIR Invoice for the patient and leaves them, sealed, in the prescription's reply
 * mailbox on the care nodes.
 */
export async function dispensePrescription(p: DispensePrescriptionParameters): Promise<DispensePrescriptionReturnType> {
  const { review, chain, pharmacist } = p
  const progress = p.progress ?? silentProgress
  const now = p.now ?? Date.now
  progress.begin(0)
  if (review.refusal) throw new PrescriptionRefusedError(review.refusal, `prescription ${review.rxHash}`)
  if (p.price <= 0n) throw new PrescriptionRefusedError('wrong-fee', 'the price must be more than zero')
  if (!(await hasRegistryRole(chain.client, { registry: chain.registry, role: 'pharmacist', account: pharmacist.account }))) {
    throw new PrescriptionRefusedError('uncertified-pharmacy', pharmacist.account)
  }
  progress.finish(0)
  checkCancelled(p.signal)

  progress.begin(1)
  const { invoiceId, dispenseNumber, txHash } = await chain.dispense(review.token, p.price)
  progress.finish(1)

  progress.begin(2)
  const when = new Date(now()).toISOString()
  const dispense = buildMedicationDispense({ request: review.token.medicationRequest, rxHash: review.rxHash, pharmacist, when, fill: dispenseNumber, fills: review.fills })
  const invoice = buildPharmacyInvoice({ pharmacist, medication: review.medication, amount: p.price, invoiceRef: `${chain.chainId}/${chain.pharmacy.toLowerCase()}/${invoiceId}`, rxHash: review.rxHash, date: when })
  const notice: PharmacyNotice = {
    kind: 'dispensed', rxHash: review.rxHash, pharmacist: pharmacist.account, at: Math.floor(now() / 1000), chainId: chain.chainId, pharmacy: chain.pharmacy,
    dispense, invoice: { resource: invoice, id: invoiceId, amount: p.price }, txHash,
  }
  const signature = await p.signMessage(pharmacyNoticeDigest(notice))
  progress.finish(2)

  progress.begin(3)
  await postNotice(p.mailbox, review, { ...notice, signature }, p.signal)
  progress.finish(3)
  return { invoiceId, dispenseNumber, txHash, dispense, invoice }
}

export type RefusePrescriptionParameters = Omit<DispensePrescriptionParameters, 'price' | 'chain' | 'progress'> & {
  reason: string
  chain: Pick<PharmacyChain, 'chainId' | 'pharmacy'>
}

/** The pharmacist refuses with a reason: a declined MedicationDispense, signed, to the patient's reply mailbox. Nothing goes on chain. */
export async function refusePrescription(p: RefusePrescriptionParameters): Promise<{ dispense: FhirResource }> {
  const now = p.now ?? Date.now
  const dispense = buildRefusedDispense({ request: p.review.token.medicationRequest, rxHash: p.review.rxHash, pharmacist: p.pharmacist, when: new Date(now()).toISOString(), reason: p.reason })
  const notice: PharmacyNotice = { kind: 'refused', rxHash: p.review.rxHash, pharmacist: p.pharmacist.account, at: Math.floor(now() / 1000), chainId: p.chain.chainId, pharmacy: p.chain.pharmacy, dispense }
  const signature = await p.signMessage(pharmacyNoticeDigest(notice))
  await postNotice(p.mailbox, p.review, { ...notice, signature }, p.signal)
  return { dispense }
}

async function postNotice(mailbox: Pick<MailboxAccess, 'post'>, review: PrescriptionReview, notice: PharmacyNotice & { signature: Hex }, signal: AbortSignal | undefined): Promise<void> {
  const key = prescriptionReplyKey(review.token.salt)
  try {
    const to = mailboxAddress(key)
    await mailbox.post({ to, payload: sealPharmacyNotice(notice, to), ttlSeconds: noticeTtlSeconds }, signal ? { signal } : {})
  } finally {
    key.free()
  }
}
