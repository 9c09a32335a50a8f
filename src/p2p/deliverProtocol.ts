import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import type { Address, Hex } from 'viem'
import { addressPattern, listField, mapField, stringField, uintField, type Fail } from '../core/consent/untrustedFields.ts'
import { SalusError, type SalusErrorParameters } from '../errors/salusError.ts'
import { isScope, scopes, type Scope } from '../core/scopes.ts'
import { maxWriteBackBytes } from '../core/careLoop/writeBack.ts'

/** Hands a consent (grant parameters + proof), a record CID or a sealed write-back to a peer's inbox. */
export const deliverProtocol = '/salus/deliver/1.0.0'

/** The grant parameters a consent proof is bound to (src/zk/grantHash.ts), as sent on the wire. */
export type DeliveredGrant = {
  grantee: Address
  scopesMask: number
  expiry: number
  /** Field element as 0x-hex. */
  proxiesHash: Hex
  threshold: number
  bundleCid: string
}

export type ConsentDelivery = {
  v: 1
  kind: 'consent'
  grant: DeliveredGrant
  /** Field element as 0x-hex. */
  pseudonym: Hex
  /** Groth16 proof packed as uint256[8] (a, b, c), each 0x-hex. */
  proof: Hex[]
  /** Where the doctor can dial the patient: peer id and relay addresses. */
  patient: { peerId: string; addrs: string[] }
  /** The name the patient chose to show the doctor. */
  label: string
}

export type RecordDelivery = { v: 1; kind: 'record'; cid: string; scope?: Scope; note?: string }

/** A doctor's write-back, sealed to the patient's scope key (core/careLoop/writeBack.ts); opened and checked by the inbox. */
export type WriteBackDelivery = { v: 1; kind: 'write-back'; item: Uint8Array }

export type Delivery = ConsentDelivery | RecordDelivery | WriteBackDelivery

/**
 * One delivery message at most: a sealed write-back (a report's file inline) and its
 * fields; consents and record CIDs stay far below the 64 KiB of the other protocols.
 */
export const maxDeliverMessageBytes = maxWriteBackBytes + 4 * 1024

export type DeliverErrorCode = 'malformed' | 'too-large' | 'refused' | 'internal' | 'unreachable' | 'timeout'

export type DeliverResponse = { ok: true } | { ok: false; code: DeliverErrorCode; message: string }

export const maxLabelLength = 64
export const maxNoteLength = 500
const maxAddrs = 8
const hexWord = /^0x[0-9a-fA-F]{1,64}$/

/** A delivery was refused by the peer or did not arrive; `code` says why. */
export class DeliverError extends SalusError {
  override name = 'DeliverError' as const
  readonly code: DeliverErrorCode
  constructor(code: DeliverErrorCode, details: string, parameters: SalusErrorParameters = {}) {
    super(deliverShortMessages[code], { ...parameters, details })
    this.code = code
  }
}

const deliverShortMessages: Record<DeliverErrorCode, string> = {
  malformed: 'The other side could not read what was sent. Both of you should update Salus and try again.',
  'too-large': 'What was sent is too large for a direct message.',
  refused: 'The other side did not accept this message.',
  internal: 'The other side had a problem receiving this. Try again later.',
  unreachable: 'The other person’s Salus could not be reached. They need to be online; try again later.',
  timeout: 'The other side took too long to answer. Try again.',
}

/** Validates an untrusted decoded delivery: every field, with size limits. */
export function parseDelivery(value: unknown): Delivery {
  const fail: Fail = (details) => {
    throw new DeliverError('malformed', details)
  }
  const m = mapField(value, 'delivery', fail)
  if (m.v !== 1) fail('v must be 1')
  if (m.kind === 'record') {
    mapField(m, 'delivery', fail, ['v', 'kind', 'cid', 'scope', 'note'])
    const delivery: RecordDelivery = { v: 1, kind: 'record', cid: cidString(m.cid, 'cid', fail) }
    if (m.scope !== undefined) delivery.scope = isScope(m.scope) ? m.scope : fail('scope is not a known scope')
    if (m.note !== undefined) delivery.note = stringField(m.note, 'note', fail, maxNoteLength)
    return delivery
  }
  if (m.kind === 'write-back') {
    mapField(m, 'delivery', fail, ['v', 'kind', 'item'])
    if (!(m.item instanceof Uint8Array) || m.item.byteLength === 0) fail('item must be bytes')
    if ((m.item as Uint8Array).byteLength > maxWriteBackBytes) throw new DeliverError('too-large', `item of ${(m.item as Uint8Array).byteLength} bytes exceeds ${maxWriteBackBytes}`)
    return { v: 1, kind: 'write-back', item: m.item as Uint8Array }
  }
  if (m.kind !== 'consent') fail('kind must be consent, record or write-back')
  mapField(m, 'delivery', fail, ['v', 'kind', 'grant', 'pseudonym', 'proof', 'patient', 'label'])
  const g = mapField(m.grant, 'grant', fail, ['grantee', 'scopesMask', 'expiry', 'proxiesHash', 'threshold', 'bundleCid'])
  const patient = mapField(m.patient, 'patient', fail, ['peerId', 'addrs'])
  const peerId = stringField(patient.peerId, 'patient.peerId', fail, 128)
  try {
    peerIdFromString(peerId)
  } catch {
    fail('patient.peerId is not a peer id')
  }
  return {
    v: 1,
    kind: 'consent',
    grant: {
      grantee: stringField(g.grantee, 'grant.grantee', fail, 42, addressPattern) as Address,
      scopesMask: uintField(g.scopesMask, 'grant.scopesMask', fail, 2 ** scopes.length - 1, 1),
      expiry: uintField(g.expiry, 'grant.expiry', fail, 2 ** 40),
      proxiesHash: stringField(g.proxiesHash, 'grant.proxiesHash', fail, 66, hexWord) as Hex,
      threshold: uintField(g.threshold, 'grant.threshold', fail, 255, 1),
      bundleCid: cidString(g.bundleCid, 'grant.bundleCid', fail),
    },
    pseudonym: stringField(m.pseudonym, 'pseudonym', fail, 66, hexWord) as Hex,
    proof: listField(m.proof, 'proof', fail, 8, 8).map((word, i) => stringField(word, `proof[${i}]`, fail, 66, hexWord) as Hex),
    patient: {
      peerId,
      addrs: listField(patient.addrs, 'patient.addrs', fail, 0, maxAddrs).map((addr, i) => {
        const text = stringField(addr, `patient.addrs[${i}]`, fail, 512)
        try {
          return multiaddr(text).toString()
        } catch {
          return fail(`patient.addrs[${i}] is not a multiaddr`)
        }
      }),
    },
    label: stringField(m.label, 'label', fail, maxLabelLength),
  }
}

export function parseDeliverResponse(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DeliverError('malformed', 'response is not a map')
  const response = value as Record<string, unknown>
  if (response.ok === true) return
  if (response.ok === false && typeof response.code === 'string') {
    const code = (['malformed', 'too-large', 'refused', 'internal'] as const).find((c) => c === response.code) ?? 'internal'
    throw new DeliverError(code, `peer refused: ${String(response.message ?? '').slice(0, 500)}`)
  }
  throw new DeliverError('malformed', 'response has neither ok:true nor ok:false with a code')
}

function cidString(value: unknown, what: string, fail: Fail): string {
  const text = stringField(value, what, fail, 128)
  try {
    const cid = CID.parse(text)
    if (cid.version !== 1) fail(`${what} must be a CIDv1`)
    return cid.toString()
  } catch (error) {
    if (error instanceof DeliverError) throw error
    return fail(`${what} is not a CID`)
  }
}
