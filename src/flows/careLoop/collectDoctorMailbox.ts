import { receivingSecretKey } from '../../crypto/umbral.ts'
import { parseRequestAnswer, type RequestAnswer } from '../../core/careLoop/requestAnswer.ts'
import { careLoopDomains, openSealed, SealedPayloadError } from '../../core/careLoop/sealedPayload.ts'
import { parseDelivery, type ConsentDelivery } from '../../p2p/deliverProtocol.ts'
import type { MailboxAccess } from './mailboxAccess.ts'

export type DoctorMailboxItems = {
  consents: { id: string; delivery: ConsentDelivery }[]
  answers: { id: string; answer: RequestAnswer }[]
}

export type CollectDoctorMailboxParameters = {
  preMasterSeed: Uint8Array
  mailbox: Pick<MailboxAccess, 'take' | 'ack'>
  /**
   * Keeps what arrived (the consent inbox checks each consent's proof and stores it) before
   * the entries are acknowledged; throwing leaves them on the care nodes for next time.
   */
  keep(items: DoctorMailboxItems): Promise<void>
  signal?: AbortSignal
}

/**
 * The doctor's app, at sign-in and while open, takes the consents and request answers
 * waiting in the doctor's mailbox (addressed to their registered receiving key). Entries
 * of other kinds (write-back answers, collected by their own flow) are left in place;
 * entries that are not sealed messages are left too; a damaged entry of these kinds is dropped.
 */
export async function collectDoctorMailbox(parameters: CollectDoctorMailboxParameters): Promise<DoctorMailboxItems> {
  const { preMasterSeed, mailbox, keep, signal } = parameters
  const key = receivingSecretKey(preMasterSeed)
  const owner = { secretKey: key }
  const items: DoctorMailboxItems = { consents: [], answers: [] }
  const done: string[] = []
  try {
    for (const entry of await mailbox.take(owner, { signal })) {
      try {
        const consent = openSealed(key, careLoopDomains.consent, entry.payload)
        const answer = consent ? undefined : openSealed(key, careLoopDomains.requestAnswer, entry.payload)
        // Not a consent or a request answer (a write-back answer, or junk): left for its own reader.
        if (!consent && !answer) continue
        done.push(entry.id)
        if (consent) {
          const delivery = parseDelivery(parseJson(consent))
          if (delivery.kind === 'consent') items.consents.push({ id: entry.id, delivery })
        } else if (answer) items.answers.push({ id: entry.id, answer: parseRequestAnswer(parseJson(answer)) })
      } catch (error) {
        // Sealed to this doctor as ours but damaged: dropped (write-backs' collector drops non-messages too).
        if (!(error instanceof SealedPayloadError)) console.warn('Salus: a mailbox entry was malformed and is dropped', error)
      }
    }
    if (done.length > 0) {
      await keep(items)
      await mailbox.ack(owner, done, { signal })
    }
  } finally {
    key.free()
  }
  return items
}

function parseJson(bytes: Uint8Array): unknown {
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
}
