import { Key, type Datastore } from 'interface-datastore'
import { hex } from './pinLedger.ts'
import { MailboxError, mailboxEntryId, maxMailboxPayloadBytes, maxMailboxTtlSeconds, type MailboxWireEntry } from './mailboxProtocol.ts'

/** What one mailbox address, one sending peer, and the whole node keep at once. */
export type MailboxQuota = {
  /** Entries one address holds. */
  entriesPerAddress: number
  /** Payload bytes one address holds. */
  bytesPerAddress: number
  /** Payload bytes one peer may put per hour (all addresses together). */
  bytesPerSenderPerHour: number
  /** Entries one peer may put per hour. */
  entriesPerSenderPerHour: number
  /** Payload bytes the node holds for every mailbox together. */
  totalBytes: number
}

export const defaultMailboxQuota: MailboxQuota = {
  entriesPerAddress: 200,
  bytesPerAddress: 32 * 1024 ** 2,
  bytesPerSenderPerHour: 64 * 1024 ** 2,
  entriesPerSenderPerHour: 500,
  totalBytes: 4 * 1024 ** 3,
}

export type MailboxStoreParameters = {
  datastore: Pick<Datastore, 'get' | 'put' | 'delete' | 'has' | 'query'>
  quota?: Partial<MailboxQuota>
  now?: () => number
}

type EntryMeta = { id: string; postedAt: number; expires: number; bytes: number }

/**
 * A care node's mailboxes, in its datastore (on disk when the node has a storage
 * directory, so entries survive a restart): per address a small metadata record and
 * the payload apart, so a take lists without reading every payload. Operations on one
 * address run one after another, so two puts cannot both pass its quota.
 */
export class MailboxStore {
  readonly quota: MailboxQuota
  private readonly store: MailboxStoreParameters['datastore']
  private readonly now: () => number
  private readonly queues = new Map<string, Promise<unknown>>()
  private senders = { hour: -1, perPeer: new Map<string, { bytes: number; entries: number }>() }
  private total: number | undefined

  constructor(parameters: MailboxStoreParameters) {
    this.store = parameters.datastore
    this.quota = { ...defaultMailboxQuota, ...parameters.quota }
    this.now = parameters.now ?? (() => Math.floor(Date.now() / 1000))
  }

  /** Stores a payload for `to` until `ttl` seconds from now (capped at 30 days); the same payload again is the same entry. */
  async put(to: Uint8Array, payload: Uint8Array, ttl: number, sender: string): Promise<{ id: string; expires: number }> {
    if (payload.byteLength > maxMailboxPayloadBytes) throw new MailboxError('too-large', `payload of ${payload.byteLength} bytes exceeds ${maxMailboxPayloadBytes}`)
    return this.exclusive(to, async () => {
      const id = mailboxEntryId(to, payload)
      const existing = await this.getMeta(to, id)
      if (existing) return { id, expires: existing.expires }
      const entries = await this.list(to)
      if (entries.length >= this.quota.entriesPerAddress) throw new MailboxError('quota-exceeded', `this address holds ${entries.length} entries`)
      const held = entries.reduce((sum, entry) => sum + entry.bytes, 0)
      if (held + payload.byteLength > this.quota.bytesPerAddress) throw new MailboxError('quota-exceeded', `this address holds ${held} bytes`)
      if ((await this.totalBytes()) + payload.byteLength > this.quota.totalBytes) throw new MailboxError('quota-exceeded', 'the care node’s mailboxes are full')
      this.chargeSender(sender, payload.byteLength)
      const now = this.now()
      const meta: EntryMeta = { id, postedAt: now, expires: now + Math.min(Math.max(1, ttl), maxMailboxTtlSeconds), bytes: payload.byteLength }
      await this.store.put(dataKey(to, id), payload)
      await this.store.put(metaKey(to, id), new TextEncoder().encode(JSON.stringify(meta)))
      this.total = (this.total ?? 0) + payload.byteLength
      return { id, expires: meta.expires }
    })
  }

  /**
   * Live entries of `to` after the entry `after` (oldest first), as many as fit in one
   * message; `more` when some were left for the next take.
   */
  async take(to: Uint8Array, after?: string): Promise<{ entries: MailboxWireEntry[]; more: boolean }> {
    const now = this.now()
    const live = (await this.list(to)).filter((entry) => entry.expires > now).sort((a, b) => a.postedAt - b.postedAt || a.id.localeCompare(b.id))
    const start = after === undefined ? 0 : live.findIndex((entry) => entry.id === after) + 1
    const entries: MailboxWireEntry[] = []
    let bytes = 0
    for (const meta of live.slice(start)) {
      if (entries.length > 0 && bytes + meta.bytes > maxMailboxPayloadBytes) return { entries, more: true }
      const payload = await this.getData(to, meta.id)
      if (!payload) continue
      bytes += payload.byteLength
      entries.push({ id: meta.id, payload, postedAt: meta.postedAt, expires: meta.expires })
    }
    return { entries, more: false }
  }

  /** Deletes the named entries of `to`; returns how many it held. */
  async ack(to: Uint8Array, ids: readonly string[]): Promise<number> {
    return this.exclusive(to, async () => {
      let deleted = 0
      for (const id of new Set(ids)) if (await this.remove(to, id)) deleted += 1
      return deleted
    })
  }

  /** Drops every entry whose lifetime has passed; returns how many. */
  async sweep(): Promise<number> {
    const now = this.now()
    const expired: { address: string; id: string }[] = []
    for await (const { key, value } of this.store.query({ prefix: '/salus/mailbox-meta/' })) {
      const [, , , address, id] = key.toString().split('/')
      if (address && id && (JSON.parse(new TextDecoder().decode(value)) as EntryMeta).expires <= now) expired.push({ address, id })
    }
    for (const { address, id } of expired) {
      const to = unhex(address)
      await this.exclusive(to, () => this.remove(to, id))
    }
    return expired.length
  }

  private chargeSender(sender: string, bytes: number): void {
    const hour = Math.floor(this.now() / 3600)
    if (this.senders.hour !== hour) this.senders = { hour, perPeer: new Map() }
    const used = this.senders.perPeer.get(sender) ?? { bytes: 0, entries: 0 }
    if (used.entries + 1 > this.quota.entriesPerSenderPerHour || used.bytes + bytes > this.quota.bytesPerSenderPerHour) {
      throw new MailboxError('quota-exceeded', 'this peer has put as much as a care node accepts from one peer this hour')
    }
    this.senders.perPeer.set(sender, { bytes: used.bytes + bytes, entries: used.entries + 1 })
  }

  private async totalBytes(): Promise<number> {
    if (this.total === undefined) {
      let total = 0
      for await (const { value } of this.store.query({ prefix: '/salus/mailbox-meta/' })) total += (JSON.parse(new TextDecoder().decode(value)) as EntryMeta).bytes
      this.total = total
    }
    return this.total
  }

  private async remove(to: Uint8Array, id: string): Promise<boolean> {
    const meta = await this.getMeta(to, id)
    if (!meta) return false
    await this.store.delete(dataKey(to, id))
    await this.store.delete(metaKey(to, id))
    if (this.total !== undefined) this.total = Math.max(0, this.total - meta.bytes)
    return true
  }

  private async list(to: Uint8Array): Promise<EntryMeta[]> {
    const entries: EntryMeta[] = []
    for await (const { value } of this.store.query({ prefix: `/salus/mailbox-meta/${hex(to)}/` })) entries.push(JSON.parse(new TextDecoder().decode(value)) as EntryMeta)
    return entries
  }

  private async getMeta(to: Uint8Array, id: string): Promise<EntryMeta | undefined> {
    const bytes = await this.getData(to, id, metaKey(to, id))
    return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as EntryMeta) : undefined
  }

  private async getData(to: Uint8Array, id: string, key = dataKey(to, id)): Promise<Uint8Array | undefined> {
    try {
      return await this.store.get(key)
    } catch (error) {
      if (error instanceof Error && error.name === 'NotFoundError') return undefined
      throw error
    }
  }

  private exclusive<T>(address: Uint8Array, task: () => Promise<T>): Promise<T> {
    const id = hex(address)
    const run = (this.queues.get(id) ?? Promise.resolve()).then(task)
    const settled = run.catch(() => {})
    this.queues.set(id, settled)
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id)
    })
    return run
  }
}

function unhex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16))
}

const metaKey = (to: Uint8Array, id: string) => new Key(`/salus/mailbox-meta/${hex(to)}/${id}`)
const dataKey = (to: Uint8Array, id: string) => new Key(`/salus/mailbox-data/${hex(to)}/${id}`)
