import type { MailboxAccess } from '../../src/flows/careLoop/mailboxAccess.ts'
import { ackMailboxEntries, postToMailbox, takeFromMailbox, type MailboxNode } from '../../src/p2p/mailboxClient.ts'

/** The care-loop flows' mailbox on a test node and the given care nodes (as the app binds it in mailboxAccessOf). */
export function mailboxOn(node: MailboxNode, careNodes: readonly string[]): MailboxAccess {
  return {
    post: async (entry, options) => void (await postToMailbox(node, careNodes, entry, options)),
    take: (owner, options) => takeFromMailbox(node, careNodes, owner, options),
    ack: async (owner, ids, options) => void (await ackMailboxEntries(node, careNodes, { ...owner, ids }, options)),
  }
}
