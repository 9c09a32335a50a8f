import { Key, type Datastore } from 'interface-datastore'
import { defaultRegistrationWorkBits, hasRegistrationWork, type CareAuth } from './careAuth.ts'

/** What one patient identity may keep on a care node at once. */
export type IdentityQuota = {
  bytes: number
  blocks: number
  /** Manifest heads ((author, scope) pairs). */
  heads: number
}

export type PinLedgerParameters = {
  datastore: Pick<Datastore, 'get' | 'put' | 'delete' | 'has' | 'query'>
  quota?: Partial<IdentityQuota>
  /** A pin or head lives this long unless renewed (seconds); requests may ask for less. */
  maxLifetimeSeconds?: number
  /** New identities accepted per hour, from all peers together. */
  registrationsPerHour?: number
  /** New identities accepted per hour from one peer. */
  registrationsPerPeerPerHour?: number
  /** Leading zero bits of registration work a new identity must show. */
  registrationWorkBits?: number
  now?: () => number
}

export const defaultIdentityQuota: IdentityQuota = { bytes: 256 * 1024 ** 2, blocks: 50_000, heads: 64 }
export const defaultMaxLifetimeSeconds = 30 * 24 * 3600

type IdentityRecord = { registered: number; bytes: number; blocks: number; heads: number }
type OwnedPin = { bytes: number; blocks: number; expires: number }
type OwnedHead = { bytes: number; expires: number }

export type RegistrationResult = 'registered' | 'known' | 'registrations-full'

/**
 * A care node's book of patient identities (pinning keys), what each keeps and until
 * when. Quotas are charged per identity and per root, the whole DAG each time (a DAG
 * two identities pin counts for both). Kept in the node's datastore, so quotas and
 * lifetimes survive a restart. Operations for one identity run one after another
 * (`exclusive`), so two requests cannot both pass a quota check.
 */
export class PinLedger {
  readonly quota: IdentityQuota
  readonly maxLifetimeSeconds: number
  readonly registrationWorkBits: number
  private readonly store: PinLedgerParameters['datastore']
  private readonly now: () => number
  private readonly registrationsPerHour: number
  private readonly registrationsPerPeerPerHour: number
  private window = { hour: -1, total: 0, perPeer: new Map<string, number>() }
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(parameters: PinLedgerParameters) {
    this.store = parameters.datastore
    this.quota = { ...defaultIdentityQuota, ...parameters.quota }
    this.maxLifetimeSeconds = parameters.maxLifetimeSeconds ?? defaultMaxLifetimeSeconds
    this.registrationsPerHour = parameters.registrationsPerHour ?? 120
    this.registrationsPerPeerPerHour = parameters.registrationsPerPeerPerHour ?? 4
    this.registrationWorkBits = parameters.registrationWorkBits ?? defaultRegistrationWorkBits
    this.now = parameters.now ?? (() => Math.floor(Date.now() / 1000))
  }

  /** Runs `task` after every earlier task of this identity has settled. */
  exclusive<T>(key: Uint8Array, task: () => Promise<T>): Promise<T> {
    const id = hex(key)
    const run = (this.queues.get(id) ?? Promise.resolve()).then(task)
    const settled = run.catch(() => {})
    this.queues.set(id, settled)
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id)
    })
    return run
  }

  async isRegistered(key: Uint8Array): Promise<boolean> {
    return this.store.has(identityKey(key))
  }

  /**
   * Lets a signed request's identity in: known, or new with the registration work
   * and within this hour's registrations (then registered). Call after the signature check.
   */
  async admit(auth: CareAuth, peer: string): Promise<'ok' | 'unregistered' | 'registrations-full'> {
    if (await this.isRegistered(auth.key)) return 'ok'
    if (!hasRegistrationWork(auth, this.registrationWorkBits)) return 'unregistered'
    return (await this.register(auth.key, peer)) === 'registrations-full' ? 'registrations-full' : 'ok'
  }

  /** Registers a new identity if this hour's registrations allow it (globally and for this peer). */
  async register(key: Uint8Array, peer: string): Promise<RegistrationResult> {
    if (await this.isRegistered(key)) return 'known'
    const hour = Math.floor(this.now() / 3600)
    if (this.window.hour !== hour) this.window = { hour, total: 0, perPeer: new Map() }
    const fromPeer = this.window.perPeer.get(peer) ?? 0
    if (this.window.total >= this.registrationsPerHour || fromPeer >= this.registrationsPerPeerPerHour) return 'registrations-full'
    this.window.total += 1
    this.window.perPeer.set(peer, fromPeer + 1)
    await this.putJson(identityKey(key), { registered: this.now(), bytes: 0, blocks: 0, heads: 0 } satisfies IdentityRecord)
    return 'registered'
  }

  /** What the identity may still add. */
  async remaining(key: Uint8Array): Promise<IdentityQuota> {
    const record = await this.identity(key)
    return {
      bytes: Math.max(0, this.quota.bytes - record.bytes),
      blocks: Math.max(0, this.quota.blocks - record.blocks),
      heads: Math.max(0, this.quota.heads - record.heads),
    }
  }

  async usage(key: Uint8Array): Promise<Omit<IdentityRecord, 'registered'>> {
    const { bytes, blocks, heads } = await this.identity(key)
    return { bytes, blocks, heads }
  }

  /** Expiry (unix seconds) of a lifetime a request asked for, capped by the node's maximum. */
  expiryFor(lifetimeSeconds: number | undefined): number {
    return this.now() + Math.min(lifetimeSeconds ?? this.maxLifetimeSeconds, this.maxLifetimeSeconds)
  }

  async ownedPin(key: Uint8Array, cid: string): Promise<OwnedPin | undefined> {
    return this.getJson<OwnedPin>(ownedKey(key, cid))
  }

  /** Records a pin the identity now holds, charging its size unless it held it already (then only the expiry moves). */
  async holdPin(key: Uint8Array, cid: string, pin: OwnedPin): Promise<void> {
    const existing = await this.ownedPin(key, cid)
    if (!existing) {
      const record = await this.identity(key)
      record.bytes += pin.bytes
      record.blocks += pin.blocks
      await this.putJson(identityKey(key), record)
    }
    await this.putJson(ownedKey(key, cid), existing ? { ...existing, expires: pin.expires } : pin)
    await this.store.put(holderKey(cid, key), new Uint8Array())
  }

  /** Drops the identity's hold on a root; true when no identity holds it any more. */
  async releasePin(key: Uint8Array, cid: string): Promise<{ held: boolean; lastHolder: boolean }> {
    const existing = await this.ownedPin(key, cid)
    if (!existing) return { held: false, lastHolder: false }
    const record = await this.identity(key)
    record.bytes = Math.max(0, record.bytes - existing.bytes)
    record.blocks = Math.max(0, record.blocks - existing.blocks)
    await this.putJson(identityKey(key), record)
    await this.store.delete(ownedKey(key, cid))
    await this.store.delete(holderKey(cid, key))
    for await (const _ of this.store.query({ prefix: `/salus/pin-holders/${cid}/`, limit: 1 })) {
      void _
      return { held: true, lastHolder: false }
    }
    return { held: true, lastHolder: true }
  }

  async ownedHead(key: Uint8Array, slot: string): Promise<OwnedHead | undefined> {
    return this.getJson<OwnedHead>(ownedHeadKey(key, slot))
  }

  /** The identity (hex) that keeps a head slot, if any. */
  async headOwner(slot: string): Promise<string | undefined> {
    return (await this.getJson<{ key: string }>(headOwnerKey(slot)))?.key
  }

  /** Records a head slot (author, scope) the identity keeps; the first put of a slot counts one head and its bytes. */
  async holdHead(key: Uint8Array, slot: string, head: OwnedHead): Promise<void> {
    await this.putJson(headOwnerKey(slot), { key: hex(key) })
    const existing = await this.ownedHead(key, slot)
    const record = await this.identity(key)
    if (!existing) record.heads += 1
    record.bytes += head.bytes - (existing?.bytes ?? 0)
    await this.putJson(identityKey(key), record)
    await this.putJson(ownedHeadKey(key, slot), head)
  }

  async releaseHead(key: Uint8Array, slot: string): Promise<boolean> {
    const existing = await this.ownedHead(key, slot)
    if (!existing) return false
    const record = await this.identity(key)
    record.heads = Math.max(0, record.heads - 1)
    record.bytes = Math.max(0, record.bytes - existing.bytes)
    await this.putJson(identityKey(key), record)
    await this.store.delete(ownedHeadKey(key, slot))
    if ((await this.headOwner(slot)) === hex(key)) await this.store.delete(headOwnerKey(slot))
    return true
  }

  /** Pins and heads whose lifetime has passed. */
  async expired(): Promise<{ pins: Array<{ key: Uint8Array; cid: string }>; heads: Array<{ key: Uint8Array; slot: string }> }> {
    const now = this.now()
    const pins: Array<{ key: Uint8Array; cid: string }> = []
    const heads: Array<{ key: Uint8Array; slot: string }> = []
    for await (const { key, value } of this.store.query({ prefix: '/salus/pin-owned/' })) {
      const [, , , id, cid] = key.toString().split('/')
      if ((JSON.parse(new TextDecoder().decode(value)) as OwnedPin).expires <= now && id && cid) pins.push({ key: unhex(id), cid })
    }
    for await (const { key, value } of this.store.query({ prefix: '/salus/head-owned/' })) {
      const [, , , id, slot] = key.toString().split('/')
      if ((JSON.parse(new TextDecoder().decode(value)) as OwnedHead).expires <= now && id && slot) heads.push({ key: unhex(id), slot })
    }
    return { pins, heads }
  }

  private async identity(key: Uint8Array): Promise<IdentityRecord> {
    const record = await this.getJson<IdentityRecord>(identityKey(key))
    if (!record) throw new Error('identity not registered')
    return record
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

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function unhex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16))
}

const identityKey = (key: Uint8Array) => new Key(`/salus/pin-ids/${hex(key)}`)
const ownedKey = (key: Uint8Array, cid: string) => new Key(`/salus/pin-owned/${hex(key)}/${cid}`)
const holderKey = (cid: string, key: Uint8Array) => new Key(`/salus/pin-holders/${cid}/${hex(key)}`)
const headOwnerKey = (slot: string) => new Key(`/salus/head-owner/${slot}`)
const ownedHeadKey = (key: Uint8Array, slot: string) => new Key(`/salus/head-owned/${hex(key)}/${slot}`)
