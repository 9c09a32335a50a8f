import * as dagCbor from '@ipld/dag-cbor'
import { ManifestTamperedError } from '../core/consent/consentErrors.ts'
import { decodeSignedHead, type SignedHead } from '../core/consent/scopeManifest.ts'
import { bytesField, compressedKeyBytes, mapField, scopeField, type Fail } from '../core/consent/untrustedFields.ts'
import type { Scope } from '../core/scopes.ts'
import { SalusError, type SalusErrorParameters } from '../errors/salusError.ts'
import { encodeCareAuth, parseCareAuth, type CareAuth } from './careAuth.ts'
import { encodeHeadReadGrant, parseHeadReadGrant, type HeadReadGrant } from '../core/consent/headReadRequest.ts'

/**
 * Latest signed manifest head per (author key, scope), kept by care nodes so a
 * grantee sees records added after the grant while the patient is offline.
 */
export const headProtocol = '/salus/head/1.0.0'

export type HeadErrorCode =
  | 'malformed'
  | 'too-large'
  | 'bad-signature'
  | 'stale-seq'
  | 'not-found'
  | 'internal'
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'unregistered'
  | 'registrations-full'
  | 'quota-exceeded'
  | 'rate-limited'

/** A put is also signed by the patient's pinning identity for that care node (careAuth.ts): it counts against its quota. */
export type HeadRequest =
  | { v: 1; op: 'put'; head: SignedHead; auth?: CareAuth }
  /** A read carries the grantee's signed grant (headReadRequest.ts): heads go only to the grantees of that scope. */
  | { v: 1; op: 'get'; author: Uint8Array; scope: Scope; grant?: HeadReadGrant }

export type HeadResponse =
  | { ok: true; head?: SignedHead }
  | { ok: false; code: HeadErrorCode; message: string; workBits?: number }

const headErrorCodes = new Set<string>([
  'malformed', 'too-large', 'bad-signature', 'stale-seq', 'not-found', 'internal',
  'unauthorized', 'unregistered', 'registrations-full', 'quota-exceeded', 'rate-limited',
])

/** A head was refused by a care node, or could not be fetched; `code` says why. */
export class HeadRequestError extends SalusError {
  override name = 'HeadRequestError' as const
  readonly code: HeadErrorCode
  /** With `unregistered`: the registration work the care node asks for. */
  workBits?: number
  constructor(code: HeadErrorCode, details: string, parameters: SalusErrorParameters = {}) {
    super(headShortMessages[code], { ...parameters, details })
    this.code = code
  }
}

const headShortMessages: Record<HeadErrorCode, string> = {
  malformed: 'The care node did not understand the record list. Update Salus and try again.',
  'too-large': 'The record list message was too large for the care node.',
  'bad-signature': 'The care node refused the record list because its signature did not verify.',
  'stale-seq': 'The care node already holds a newer list of these records.',
  'not-found': 'The care node holds no list of shared records for this part of the record yet.',
  internal: 'The care node had a problem storing the record list. Try again later.',
  unreachable: 'The care node could not be reached. Check your connection, or try another care node.',
  timeout: 'The care node took too long to answer. Try again.',
  unauthorized: 'The care node did not accept the request: it is not signed by a current grantee of these records, or your computer’s clock is off.',
  unregistered: 'The care node does not know this browser’s storage key yet. Salus registers it; try again.',
  'registrations-full': 'The care node accepts no new patients right now. Try again in an hour, or choose another care node.',
  'quota-exceeded': 'Your storage on this care node is full. Remove records you no longer share, or choose another care node.',
  'rate-limited': 'Too many requests were sent to the care node. Wait a minute and try again.',
}

/** Validates an untrusted decoded request (shape only; the server checks the signature). */
export function parseHeadRequest(value: unknown): HeadRequest {
  const fail: Fail = (details) => {
    throw new HeadRequestError('malformed', details)
  }
  const m = mapField(value, 'request', fail)
  if (m.v !== 1) fail('v must be 1')
  if (m.op === 'put') {
    mapField(m, 'request', fail, ['v', 'op', 'head', 'auth'])
    try {
      const head = decodeSignedHead(m.head)
      return m.auth === undefined ? { v: 1, op: 'put', head } : { v: 1, op: 'put', head, auth: parseCareAuth(m.auth, fail) }
    } catch (error) {
      if (error instanceof ManifestTamperedError) fail(error.details ?? 'bad head')
      throw error
    }
  }
  if (m.op === 'get') {
    mapField(m, 'request', fail, ['v', 'op', 'author', 'scope', 'grant'])
    const get = { v: 1, op: 'get', author: bytesField(m.author, 'author', fail, compressedKeyBytes), scope: scopeField(m.scope, 'scope', fail) } as const
    return m.grant === undefined ? get : { ...get, grant: parseHeadReadGrant(m.grant, fail) }
  }
  return fail('op must be put or get')
}

/** Validates a care node's answer; a refusal becomes `HeadRequestError`. The head's signature is the caller's to check. */
export function parseHeadResponse(value: unknown): { head?: SignedHead } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HeadRequestError('malformed', 'response is not a map')
  const response = value as Record<string, unknown>
  if (response.ok === true) {
    if (response.head === undefined) return {}
    try {
      return { head: decodeSignedHead(response.head) }
    } catch (cause) {
      throw new HeadRequestError('malformed', 'the care node sent a malformed head', { cause })
    }
  }
  if (response.ok === false && typeof response.code === 'string') {
    const code = headErrorCodes.has(response.code) ? (response.code as HeadErrorCode) : 'internal'
    const error = new HeadRequestError(code, `care node refused: ${String(response.message ?? '').slice(0, 500)}`)
    if (Number.isSafeInteger(response.workBits) && (response.workBits as number) >= 0 && (response.workBits as number) <= 32) error.workBits = response.workBits as number
    throw error
  }
  throw new HeadRequestError('malformed', 'response has neither ok:true nor ok:false with a code')
}

/** The wire form; a put's signature covers this map without its `auth`. */
export function encodeHeadRequest(request: HeadRequest): Record<string, unknown> {
  if (request.op === 'put') {
    const { auth, ...body } = request
    return auth ? { ...body, auth: encodeCareAuth(auth) } : { ...body }
  }
  const { grant, ...get } = request
  return grant ? { ...get, grant: encodeHeadReadGrant(grant) } : { ...get }
}

/** The bytes a care node stores per (author, scope). */
export function encodeStoredHead(head: SignedHead): Uint8Array {
  return dagCbor.encode(head)
}
