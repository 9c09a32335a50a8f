import type { InboxItem } from '../../core/careLoop/writeBack.ts'

export type { InboxItem }

export type InboxAnswer = { outcome: 'accepted' } | { outcome: 'declined'; reason: string }

/**
 * Where inbox items come from and where answers go: part mailbox's `collectInbox` and
 * `answerWriteBack` (src/flows/careLoop). Injected so the inbox page works with whichever
 * transport the workspace has (src/ui/state/inboxSource.ts builds it).
 */
export type InboxSource = {
  collect(options?: { signal?: AbortSignal }): Promise<InboxItem[]>
  answer(item: InboxItem, answer: InboxAnswer): Promise<void>
  /** Opens and checks an item a doctor delivered straight to this tab (throws: refused, with a sentence). */
  receive?(item: Uint8Array, receivedAt: number): Promise<InboxItem>
}
