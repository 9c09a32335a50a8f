import type { Address, Hex } from 'viem'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import type { Scope } from '../../core/scopes.ts'

/**
 * A doctor's write-back as the patient's inbox sees it (docs: interfaces of issue 10).
 * Seam: part mailbox's flows/careLoop `collectInbox` returns these; until it lands this
 * is the same shape declared here. `signedAt` and `receivedAt` are unix seconds.
 */
export type InboxItem = {
  id: string
  grantId: bigint
  scope: Scope
  from: Address
  resource: FhirResource
  signature: Hex
  signedAt: number
  receivedAt: number
  /** The id of an earlier item of the same doctor this one amends. */
  replaces?: string
  /** The id of an earlier item of the same doctor this one withdraws. */
  withdraws?: string
}

export type InboxAnswer = { outcome: 'accepted' } | { outcome: 'declined'; reason: string }

/**
 * Where inbox items come from and where answers go: part mailbox's `collectInbox` and
 * `answerWriteBack` (through the doctor's mailbox). Injected so the inbox works with
 * whichever transport the workspace has.
 */
export type InboxSource = {
  collect(options?: { signal?: AbortSignal }): Promise<InboxItem[]>
  answer(item: InboxItem, answer: InboxAnswer): Promise<void>
}
