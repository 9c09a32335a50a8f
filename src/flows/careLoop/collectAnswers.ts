import { MalformedWriteBackError } from '../../core/careLoop/careLoopErrors.ts'
import { openWriteBackAnswer, type WriteBackStatus } from '../../core/careLoop/writeBack.ts'
import { sameBytes } from '../../core/consent/untrustedFields.ts'
import type { SecretKey } from '../../crypto/umbral.ts'
import { ackMailboxEntries, takeFromMailbox, type MailboxNode } from '../../p2p/mailboxClient.ts'

/** One status the doctor learned for one item. */
export type DoctorAnswer = { grantId: bigint; itemId: string; status: WriteBackStatus; reason?: string; /** Unix seconds. */ at: number }

export type CollectAnswersParameters = {
  node: MailboxNode
  careNodes: readonly string[]
  /** The doctor's receiving secret key: their mailbox address is its public half (the directory's umbralPublicKey). */
  receivingKey: SecretKey
  /** The patient's mailbox address for a grant, from the grant's bundle (openGrantContact); answers must be signed by it. */
  contactOf: (grantId: bigint) => Uint8Array | undefined
  /** Stores the answers; awaited before their mailbox entries are deleted. Without it nothing is deleted. */
  keep?: (answers: readonly DoctorAnswer[]) => Promise<void>
  signal?: AbortSignal
}

/**
 * The doctor's side: takes their mailbox, opens the answers sealed to them, keeps those
 * signed by the patient's mailbox key of the grant they name, and deletes answers (and
 * forged or damaged ones) once kept. Entries that are not answers (consents, requests)
 * are left for their own readers. Oldest first.
 */
export async function collectAnswers(parameters: CollectAnswersParameters): Promise<DoctorAnswer[]> {
  const { node, careNodes, receivingKey, signal } = parameters
  const entries = await takeFromMailbox(node, careNodes, { secretKey: receivingKey }, signal ? { signal } : {})
  const answers: DoctorAnswer[] = []
  const done: string[] = []
  for (const entry of entries) {
    let answer
    try {
      answer = openWriteBackAnswer(entry.payload, receivingKey)
    } catch (error) {
      if (error instanceof MalformedWriteBackError) done.push(entry.id)
      continue
    }
    if (!answer) continue
    done.push(entry.id)
    const contact = parameters.contactOf(answer.grantId)
    if (!contact || !sameBytes(contact, answer.from)) continue
    for (const status of answer.statuses) answers.push({ grantId: answer.grantId, itemId: status.itemId, status: status.status, ...(status.reason ? { reason: status.reason } : {}), at: answer.at })
  }
  answers.sort((a, b) => a.at - b.at)
  if (parameters.keep) {
    await parameters.keep(answers)
    await ackMailboxEntries(node, careNodes, { secretKey: receivingKey, ids: done }, signal ? { signal } : {}).catch(() => {})
  }
  return answers
}
