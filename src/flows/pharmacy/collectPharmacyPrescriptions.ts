import { openPrescriptionAtPharmacy } from '../../core/pharmacy/pharmacyMessages.ts'
import { receivingSecretKey } from '../../crypto/umbral.ts'
import type { MailboxAccess } from '../careLoop/mailboxAccess.ts'

/**
 * The pharmacist's app takes the prescriptions patients sent to their listed key (their
 * mailbox on the care nodes). Entries of other kinds are left in place; `keep` stores the
 * texts before the entries are acknowledged.
 */
export async function collectPharmacyPrescriptions(p: {
  preMasterSeed: Uint8Array
  mailbox: Pick<MailboxAccess, 'take' | 'ack'>
  keep(texts: { id: string; text: string }[]): Promise<void> | void
  signal?: AbortSignal
}): Promise<{ id: string; text: string }[]> {
  const key = receivingSecretKey(p.preMasterSeed)
  const owner = { secretKey: key }
  const options = p.signal ? { signal: p.signal } : {}
  try {
    const found: { id: string; text: string }[] = []
    for (const entry of await p.mailbox.take(owner, options)) {
      try {
        const text = openPrescriptionAtPharmacy(entry.payload, key)
        if (text) found.push({ id: entry.id, text })
      } catch (error) {
        console.warn('Salus: a prescription message was damaged and is set aside', error)
      }
    }
    if (found.length > 0) {
      await p.keep(found)
      await p.mailbox.ack(owner, found.map((item) => item.id), options)
    }
    return found
  } finally {
    key.free()
  }
}
