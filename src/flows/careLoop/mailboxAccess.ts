/**
 * What the care-loop flows use of the care nodes' mailbox (`/salus/mailbox/1.0.0`,
 * src/p2p/mailboxClient.ts): post one sealed payload to an address; take and acknowledge
 * the entries of a mailbox whose secret key the caller holds. Narrow on purpose: the
 * page binds it to its node and care nodes (mailboxAccessOf), a test to its own.
 */
export type MailboxEntryIn = { id: string; payload: Uint8Array }

export type MailboxAccess = {
  post(entry: { to: Uint8Array; payload: Uint8Array; ttlSeconds: number }, options?: { signal?: AbortSignal }): Promise<void>
  take(owner: { secretKey: Uint8Array }, options?: { signal?: AbortSignal }): Promise<MailboxEntryIn[]>
  ack(owner: { secretKey: Uint8Array }, ids: readonly string[], options?: { signal?: AbortSignal }): Promise<void>
}
