import { Key, type Datastore } from 'interface-datastore'
import { hex } from './pinLedger.ts'

/** What a care node accepts for SMART Health Link files. */
export type ShlLimits = {
  /** One file (a compact JWE of an IPS Bundle): default 512 KiB. */
  maxFileBytes: number
  /** Links one patient identity keeps at once: default 16. */
  maxLinksPerIdentity: number
  /** Bytes one patient identity keeps at once: default 4 MiB. */
  maxBytesPerIdentity: number
  /** A link lives this long unless put again (seconds); default 400 days, so a printed card outlives a year. */
  maxLifetimeSeconds: number
}

export const defaultShlLimits: ShlLimits = {
  maxFileBytes: 512 * 1024,
  maxLinksPerIdentity: 16,
  maxBytesPerIdentity: 4 * 1024 ** 2,
  maxLifetimeSeconds: 400 * 24 * 3600,
}

type LinkRecord = { owner: string; bytes: number; expires: number }
type Usage = { links: number; bytes: number }

export type ShlPutResult = 'stored' | 'not-owner' | 'quota-exceeded'

/**
 * SHL files kept in the care node's datastore, each owned by the patient identity
 * that first put it; quotas per identity; expired links are swept. Operations on one
 * link run one after another.
 */
export class ShlFileStore {
  readonly limits: ShlLimits
  private readonly store: Pick<Datastore, 'get' | 'put' | 'delete' | 'has' | 'query'>
  private readonly now: () => number
  private queue: Promise<unknown> = Promise.resolve()

  constructor(datastore: Pick<Datastore, 'get' | 'put' | 'delete' | 'has' | 'query'>, limits: Partial<ShlLimits> = {}, now = () => Math.floor(Date.now() / 1000)) {
    this.store = datastore
    this.limits = { ...defaultShlLimits, ...limits }
    this.now = now
  }

  /** The file of a live link, or undefined (unknown or expired). */
  async get(id: string): Promise<Uint8Array | undefined> {
    const link = await this.link(id)
    if (!link || link.expires <= this.now()) return undefined
    return this.store.get(fileKey(id))
  }

  async owner(id: string): Promise<string | undefined> {
    return (await this.link(id))?.owner
  }

  /** Creates the link for `owner`, or replaces its file when `owner` already holds it. */
  put(owner: Uint8Array, id: string, file: Uint8Array, lifetimeSeconds?: number): Promise<ShlPutResult> {
    return this.serial(async () => {
      const ownerHex = hex(owner)
      const existing = await this.link(id)
      if (existing && existing.owner !== ownerHex && existing.expires > this.now()) return 'not-owner'
      if (existing && existing.owner !== ownerHex) await this.drop(id, existing)
      const mine = existing?.owner === ownerHex ? existing : undefined
      const usage = await this.usage(ownerHex)
      const links = usage.links + (mine ? 0 : 1)
      const bytes = usage.bytes - (mine?.bytes ?? 0) + file.byteLength
      if (links > this.limits.maxLinksPerIdentity || bytes > this.limits.maxBytesPerIdentity) return 'quota-exceeded'
      const expires = this.now() + Math.min(lifetimeSeconds ?? this.limits.maxLifetimeSeconds, this.limits.maxLifetimeSeconds)
      await this.store.put(fileKey(id), file)
      await this.putJson(linkKey(id), { owner: ownerHex, bytes: file.byteLength, expires } satisfies LinkRecord)
      await this.putJson(usageKey(ownerHex), { links, bytes } satisfies Usage)
      return 'stored'
    })
  }

  /** Deletes a link its owner holds; 'not-found' for an unknown id, 'not-owner' for someone else's. */
  delete(owner: Uint8Array, id: string): Promise<'deleted' | 'not-found' | 'not-owner'> {
    return this.serial(async () => {
      const existing = await this.link(id)
      if (!existing) return 'not-found'
      if (existing.owner !== hex(owner)) return 'not-owner'
      await this.drop(id, existing)
      return 'deleted'
    })
  }

  /** Drops links whose lifetime has passed; returns how many. */
  sweep(): Promise<number> {
    return this.serial(async () => {
      const now = this.now()
      const expired: Array<[string, LinkRecord]> = []
      for await (const { key, value } of this.store.query({ prefix: '/salus/shl-link/' })) {
        const link = JSON.parse(new TextDecoder().decode(value)) as LinkRecord
        if (link.expires <= now) expired.push([key.baseNamespace(), link])
      }
      for (const [id, link] of expired) await this.drop(id, link)
      return expired.length
    })
  }

  async usage(ownerHex: string): Promise<Usage> {
    return (await this.getJson<Usage>(usageKey(ownerHex))) ?? { links: 0, bytes: 0 }
  }

  private async drop(id: string, link: LinkRecord): Promise<void> {
    const usage = await this.usage(link.owner)
    await this.putJson(usageKey(link.owner), { links: Math.max(0, usage.links - 1), bytes: Math.max(0, usage.bytes - link.bytes) })
    await this.store.delete(fileKey(id))
    await this.store.delete(linkKey(id))
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task)
    this.queue = run.catch(() => {})
    return run
  }

  private async link(id: string): Promise<LinkRecord | undefined> {
    return this.getJson<LinkRecord>(linkKey(id))
  }

  private async getJson<T>(key: Key): Promise<T | undefined> {
    try {
      return JSON.parse(new TextDecoder().decode(await this.store.get(key))) as T
    } catch (error) {
      if (error instanceof Error && error.name === 'NotFoundError') return undefined
      throw error
    }
  }

  private async putJson(key: Key, value: unknown): Promise<void> {
    await this.store.put(key, new TextEncoder().encode(JSON.stringify(value)))
  }
}

const fileKey = (id: string) => new Key(`/salus/shl-file/${id}`)
const linkKey = (id: string) => new Key(`/salus/shl-link/${id}`)
const usageKey = (ownerHex: string) => new Key(`/salus/shl-usage/${ownerHex}`)
