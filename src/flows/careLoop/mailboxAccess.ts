/**
 * What the care-loop flows use of the care nodes' mailbox (`/salus/mailbox/1.0.0`,
 * src/p2p/mailboxClient.ts): post one sealed payload to an address; take and acknowledge
 * the entries of a mailbox whose secret key the caller holds (signed pickups). Narrow on purpose: the
 * page binds it to its node and care nodes (mailboxAccessOf), a test to its own.
 */
import type { SecretKey } from '../../crypto/umbral.ts'

export type MailboxEntryIn = { id: string; payload: Uint8Array }

export type MailboxAccess = {
  post(entry: { to: Uint8Array; payload: Uint8Array; ttlSeconds: number }, options?: { signal?: AbortSignal }): Promise<void>
  take(owner: { secretKey: SecretKey }, options?: { signal?: AbortSignal }): Promise<MailboxEntryIn[]>
  ack(owner: { secretKey: SecretKey }, ids: readonly string[], options?: { signal?: AbortSignal }): Promise<void>
}
