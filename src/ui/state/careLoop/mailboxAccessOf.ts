import type { MailboxAccess } from '../../../flows/careLoop/mailboxAccess.ts'
import { ackMailboxEntries, postToMailbox, takeFromMailbox } from '../../../p2p/mailboxClient.ts'
import { careNodeAddresses, type ConsentContext } from '../consent/consentContext.ts'

/** The care-loop flows' mailbox, on this account's node and the network's care nodes (each keeps a copy). */
export function mailboxAccessOf(context: ConsentContext): MailboxAccess {
  const careNodes = () => careNodeAddresses(context)
  return {
    async post(entry, options) {
      await postToMailbox(await context.node(), careNodes(), entry, options)
    },
    async take(owner, options) {
      return await takeFromMailbox(await context.node(), careNodes(), owner, options)
    },
    async ack(owner, ids, options) {
      await ackMailboxEntries(await context.node(), careNodes(), { ...owner, ids }, options)
    },
  }
}
