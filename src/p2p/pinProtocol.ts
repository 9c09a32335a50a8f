import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from 'multiformats/hashes/sha2'
import { PeerMessageError, type PinErrorCode } from './p2pErrors.ts'

/** Ask a care node to fetch these CIDs (ciphertext blocks) from us and keep them. */
export const pinProtocol = '/salus/pin/1.0.0'

/** More CIDs than this in one request is refused as too-large; send several requests. */
export const maxPinCids = 1_000

export interface PinRequest {
  v: 1
  cids: CID[]
  /** Peer to fetch from when it is not the one asking (e.g. a tab that will come back online). */
  from?: string
}

export type PinResponse =
  | { ok: true; pinned: number }
  | { ok: false; code: PinErrorCode; message: string }

/** The codecs and hash a Salus block may use; anything else is not ours and is refused. */
const acceptedCodecs = new Set<number>([raw.code, dagCbor.code])
const maxCidStringLength = 128
const maxPeerIdStringLength = 128

/** Validates an untrusted decoded request; throws `PeerMessageError` naming the bad field. */
export function parsePinRequest(value: unknown): PinRequest {
  if (!isPlainObject(value)) throw malformed('request is not a map')
  for (const key of Object.keys(value)) {
    if (key !== 'v' && key !== 'cids' && key !== 'from') throw malformed(`unknown field ${key.slice(0, 32)}`)
  }
  if (value.v !== 1) throw malformed('v must be 1')
  const cids = value.cids
  if (!Array.isArray(cids) || cids.length === 0) throw malformed('cids must be a non-empty list')
  if (cids.length > maxPinCids) {
    throw new PeerMessageError('too-large', `${cids.length} cids exceed the limit of ${maxPinCids}`)
  }
  const parsed = cids.map((item, index) => parseBlockCid(item, `cids[${index}]`))
  const request: PinRequest = { v: 1, cids: parsed }
  if (value.from !== undefined) {
    if (typeof value.from !== 'string' || value.from.length > maxPeerIdStringLength) throw malformed('from must be a peer id')
    try {
      request.from = peerIdFromString(value.from).toString()
    } catch (error) {
      throw new PeerMessageError('malformed', 'from is not a valid peer id', { cause: error })
    }
  }
  return request
}

/** Validates a care node's answer as untrusted input too. */
export function parsePinResponse(value: unknown): PinResponse {
  if (!isPlainObject(value)) throw malformed('response is not a map')
  if (value.ok === true && Number.isSafeInteger(value.pinned) && (value.pinned as number) >= 0) {
    return { ok: true, pinned: value.pinned as number }
  }
  if (value.ok === false && typeof value.code === 'string' && typeof value.message === 'string') {
    const code = pinErrorCodes.has(value.code) ? (value.code as PinErrorCode) : 'internal'
    return { ok: false, code, message: value.message.slice(0, 500) }
  }
  throw malformed('response has neither ok:true with pinned nor ok:false with code and message')
}

export function encodePinRequest(request: PinRequest): Record<string, unknown> {
  const message: Record<string, unknown> = { v: 1, cids: request.cids.map((cid) => cid.toString()) }
  if (request.from !== undefined) message.from = request.from
  return message
}

const pinErrorCodes = new Set<string>([
  'too-large', 'malformed', 'fetch-failed', 'limit-exceeded', 'busy', 'timeout', 'unreachable', 'internal',
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
