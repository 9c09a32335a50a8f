import type { Address, Hex } from 'viem'
import { hasRegistryRole } from '../../chain/hasRegistryRole.ts'
import type { ProviderEntry } from '../../chain/providerEntry.ts'
import { mailboxAddress } from '../../core/careLoop/mailboxKeys.ts'
import { openPharmacyNotice, prescriptionReplyKey, sealPrescriptionForPharmacy, type SignedPharmacyNotice } from '../../core/pharmacy/pharmacyMessages.ts'
import { invoiceReceipt, prescriptionTokenText } from '../../core/pharmacy/pharmacyRecords.ts'
import { decodePrescriptionToken, prescriptionHash, type PrescriptionToken } from '../../core/pharmacy/prescription.ts'
import type { Vault } from '../../core/vault/Vault.ts'
import type { RecordSummary } from '../../core/vault/types.ts'
import type { MailboxAccess } from '../careLoop/mailboxAccess.ts'
import type { PharmacyChain } from './pharmacyChain.ts'
import { PharmacyUnavailableError, PrescriptionRefusedError } from './pharmacyFlowErrors.ts'

/** A prescription the patient holds: a MedicationRequest in the vault that carries a signed token. */
export type HeldPrescription = { summary: RecordSummary; token: PrescriptionToken; text: string; rxHash: Hex }

/** The vault's prescriptions with a token (a doctor's, accepted through the Inbox), newest first; damaged tokens are skipped. */
export async function heldPrescriptions(vault: Pick<Vault, 'list' | 'openRecord'>): Promise<HeldPrescription[]> {
  const found: HeldPrescription[] = []
  for (const summary of vault.list()) {
    if (summary.resourceType !== 'MedicationRequest' || summary.status) continue
    const { resource } = await vault.openRecord(summary.cid)
    const text = prescriptionTokenText(resource)
    if (!text) continue
    try {
      const token = decodePrescriptionToken(text)
      found.push({ summary, token, text, rxHash: prescriptionHash(token) })
    } catch (error) {
      console.warn('Salus: a prescription’s token does not decode', error)
    }
  }
  return found
}

/** Sends the prescription to a pharmacist from the directory: sealed to their listed key, left in their mailbox. */
export async function sendPrescriptionToPharmacy(p: { text: string; pharmacist: ProviderEntry; mailbox: Pick<MailboxAccess, 'post'>; signal?: AbortSignal }): Promise<void> {
  if (p.pharmacist.role !== 'pharmacist' || !p.pharmacist.active) throw new PharmacyUnavailableError('Choose a pharmacy from the directory: this entry is not an active, certified pharmacist.')
  const key = Uint8Array.from((p.pharmacist.umbralPublicKey.slice(2).match(/../g) ?? []).map((byte) => parseInt(byte, 16)))
  await p.mailbox.post({ to: key, payload: sealPrescriptionForPharmacy(p.text, key), ttlSeconds: 30 * 86_400 }, p.signal ? { signal: p.signal } : {})
}

/** A pharmacy's notice, checked: signed by the pharmacist it names, who holds PHARMACIST now. */
export type ReceivedNotice = SignedPharmacyNotice & { entryId: string }

/**
 * Takes what pharmacies sent about the patient's prescriptions from each prescription's
 * reply mailbox: notices that open, verify and come from a certified pharmacist for this
 * deployment. `keep` stores them before the entries are acknowledged (a failure leaves them
 * on the care nodes for next time).
 */
export async function collectPharmacyNotices(p: {
  prescriptions: readonly Pick<HeldPrescription, 'token' | 'rxHash'>[]
  mailbox: MailboxAccess
  chain: Pick<PharmacyChain, 'client' | 'registry' | 'chainId' | 'pharmacy'>
  keep(notices: ReceivedNotice[]): Promise<void> | void
  signal?: AbortSignal
}): Promise<ReceivedNotice[]> {
  const all: ReceivedNotice[] = []
  for (const held of p.prescriptions) {
    const key = prescriptionReplyKey(held.token.salt)
    try {
      const owner = { secretKey: key }
      const entries = await p.mailbox.take(owner, p.signal ? { signal: p.signal } : {})
      const notices: ReceivedNotice[] = []
      for (const entry of entries) {
        try {
          const notice = await openPharmacyNotice(entry.payload, key)
          if (!notice || notice.rxHash !== held.rxHash.toLowerCase() || notice.chainId !== p.chain.chainId || notice.pharmacy !== p.chain.pharmacy.toLowerCase()) continue
          if (!(await hasRegistryRole(p.chain.client, { registry: p.chain.registry, role: 'pharmacist', account: notice.pharmacist }))) continue
          notices.push({ ...notice, entryId: entry.id })
        } catch (error) {
          console.warn('Salus: a pharmacy notice was damaged and is set aside', error)
        }
      }
      if (notices.length > 0) {
        await p.keep(notices)
        await p.mailbox.ack(owner, notices.map((n) => n.entryId), p.signal ? { signal: p.signal } : {})
      }
      all.push(...notices)
    } finally {
      key.free()
    }
  }
  return all
}

/**
 * Pays a pharmacy's invoice in ETH from the patient's account: the amount the notice names
 * must be what the chain's invoice asks (else wrong fee, nothing sent), and the invoice must
 * still be open and the pharmacist's. Returns the transaction.
 */
export async function payPharmacyInvoice(p: { notice: SignedPharmacyNotice; chain: Pick<PharmacyChain, 'readInvoice' | 'payInvoice'> }): Promise<{ txHash: Hex; amount: bigint }> {
  const invoice = p.notice.invoice
  if (!invoice) throw new PharmacyUnavailableError('This notice has no invoice to pay.')
  const onChain = await p.chain.readInvoice(invoice.id)
  if (onChain.status === 'paid' || onChain.status === 'paid-covered') throw new PharmacyUnavailableError('This invoice is already paid.')
  if (onChain.status !== 'open' || onChain.pharmacist.toLowerCase() !== p.notice.pharmacist.toLowerCase()) {
    throw new PharmacyUnavailableError('This invoice is not open on chain for the pharmacy that sent it: do not pay it, and ask the pharmacy.')
  }
  if (onChain.amount !== invoice.amount) throw new PrescriptionRefusedError('wrong-fee', `the pharmacy asks ${invoice.amount} wei, the chain's invoice ${onChain.amount}`)
  const { txHash } = await p.chain.payInvoice(invoice.id, onChain.amount)
  return { txHash, amount: onChain.amount }
}

/** The dispense record and the receipt join the vault (the records the pharmacist signed; the receipt names the payment). */
export async function keepDispenseRecords(p: { vault: Pick<Vault, 'addRecord'>; notice: SignedPharmacyNotice; payment?: { txHash: Hex; covered: boolean; paidAt: string } }): Promise<RecordSummary[]> {
  const kept = [await p.vault.addRecord({ resource: p.notice.dispense, source: 'provider' })]
  if (p.notice.invoice && p.payment) kept.push(await p.vault.addRecord({ resource: invoiceReceipt(p.notice.invoice.resource, p.payment), source: 'provider' }))
  return kept
}

export type { Address }
