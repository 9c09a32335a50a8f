import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from 'multiformats/hashes/sha2'
import { encodeCareAuth, parseCareAuth, type CareAuth } from './careAuth.ts'
import { PeerMessageError, type PinErrorCode } from './p2pErrors.ts'

/**
 * Ask a care node to fetch these CIDs (ciphertext blocks) from us and keep them
 * (`op: 'pin'`, again to renew), or to let them go (`op: 'unpin'`). Every request is
 * signed by the patient's pinning identity for that node (careAuth.ts).
 */
export const pinProtocol = '/salus/pin/1.0.0'

/** More CIDs than this in one request is refused as too-large; send several requests. */
export const maxPinCids = 1_000

export type PinOp = 'pin' | 'unpin'

export interface PinRequest {
  v: 2
  op: PinOp
  cids: CID[]
  /** Peer to fetch from when it is not the one asking (e.g. a tab that will come back online). */
  from?: string
  /** Seconds the pins should live (capped by the node); renewed by pinning again. */
  lifetime?: number
}

export interface SignedPinRequest extends PinRequest {
  auth: CareAuth
}

export type PinResponse =
  | { ok: true; pinned: number; expires?: number }
  | { ok: false; code: PinErrorCode; message: string; workBits?: number }

/** The codecs and hash a Salus block may use; anything else is not ours and is refused. */
const acceptedCodecs = new Set<number>([raw.code, dagCbor.code])
const maxCidStringLength = 128
const maxPeerIdStringLength = 128

/**
 * Validates an untrusted decoded request; throws `PeerMessageError` naming the bad
 * field. Returns the request and the body its signature covers (every field but auth).
 */
export function parsePinRequest(value: unknown): { request: SignedPinRequest; body: Record<string, unknown> } {
  if (!isPlainObject(value)) throw malformed('request is not a map')
  for (const key of Object.keys(value)) {
    if (!['v', 'op', 'cids', 'from', 'lifetime', 'auth'].includes(key)) throw malformed(`unknown field ${key.slice(0, 32)}`)
  }
  if (value.v !== 2) throw malformed('v must be 2 (signed requests)')
  if (value.op !== 'pin' && value.op !== 'unpin') throw malformed('op must be pin or unpin')
  const cids = value.cids
  if (!Array.isArray(cids) || cids.length === 0) throw malformed('cids must be a non-empty list')
  if (cids.length > maxPinCids) {
    throw new PeerMessageError('too-large', `${cids.length} cids exceed the limit of ${maxPinCids}`)
  }
  if (value.auth === undefined) throw malformed('the request is not signed (auth missing)')
  const auth = parseCareAuth(value.auth, (details) => {
    throw malformed(details)
  })
  const parsed = cids.map((item, index) => parseBlockCid(item, `cids[${index}]`))
  const request: SignedPinRequest = { v: 2, op: value.op, cids: parsed, auth }
  if (value.from !== undefined) {
    if (typeof value.from !== 'string' || value.from.length > maxPeerIdStringLength) throw malformed('from must be a peer id')
    try {
      request.from = peerIdFromString(value.from).toString()
    } catch (error) {
      throw new PeerMessageError('malformed', 'from is not a valid peer id', { cause: error })
    }
  }
  if (value.lifetime !== undefined) {
    if (typeof value.lifetime !== 'number' || !Number.isSafeInteger(value.lifetime) || value.lifetime <= 0) throw malformed('lifetime must be a positive whole number of seconds')
    request.lifetime = value.lifetime
  }
  const { auth: _auth, ...body } = value
  void _auth
  return { request, body }
}

/** Validates a care node's answer as untrusted input too. */
export function parsePinResponse(value: unknown): PinResponse {
  if (!isPlainObject(value)) throw malformed('response is not a map')
  if (value.ok === true && Number.isSafeInteger(value.pinned) && (value.pinned as number) >= 0) {
    return { ok: true, pinned: value.pinned as number, ...(Number.isSafeInteger(value.expires) ? { expires: value.expires as number } : {}) }
  }
  if (value.ok === false && typeof value.code === 'string' && typeof value.message === 'string') {
    const code = pinErrorCodes.has(value.code) ? (value.code as PinErrorCode) : 'internal'
    const workBits = Number.isSafeInteger(value.workBits) && (value.workBits as number) >= 0 && (value.workBits as number) <= 32 ? (value.workBits as number) : undefined
    return { ok: false, code, message: value.message.slice(0, 500), ...(workBits === undefined ? {} : { workBits }) }
  }
  throw malformed('response has neither ok:true with pinned nor ok:false with code and message')
}

/** The request body a signature covers (no auth). */
export function encodePinRequest(request: PinRequest): Record<string, unknown> {
  const message: Record<string, unknown> = { v: 2, op: request.op, cids: request.cids.map((cid) => cid.toString()) }
  if (request.from !== undefined) message.from = request.from
  if (request.lifetime !== undefined) message.lifetime = request.lifetime
  return message
}

export function encodeSignedPinRequest(body: Record<string, unknown>, auth: CareAuth): Record<string, unknown> {
  return { ...body, auth: encodeCareAuth(auth) }
}

const pinErrorCodes = new Set<string>([
  'too-large', 'malformed', 'fetch-failed', 'limit-exceeded', 'busy', 'timeout', 'unreachable', 'internal',
  'unauthorized', 'unregistered', 'registrations-full', 'quota-exceeded', 'rate-limited',
])

function parseBlockCid(item: unknown, field: string): CID {
  if (typeof item !== 'string' || item.length === 0 || item.length > maxCidStringLength) {
    throw malformed(`${field} must be a CID string`)
  }
  let cid: CID
  try {
    cid = CID.parse(item)
  } catch (error) {
    throw new PeerMessageError('malformed', `${field} is not a CID`, { cause: error })
  }
  if (cid.version !== 1 || !acceptedCodecs.has(cid.code) || cid.multihash.code !== sha256.code) {
    throw malformed(`${field} must be a CIDv1 (raw or dag-cbor, sha2-256)`)
  }
  return cid
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}

function malformed(details: string): PeerMessageError {
  return new PeerMessageError('malformed', details)
}
