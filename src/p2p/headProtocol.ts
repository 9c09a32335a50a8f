import * as dagCbor from '@ipld/dag-cbor'
import { ManifestTamperedError } from '../core/consent/consentErrors.ts'
import { decodeSignedHead, type SignedHead } from '../core/consent/scopeManifest.ts'
import { bytesField, compressedKeyBytes, mapField, scopeField, type Fail } from '../core/consent/untrustedFields.ts'
import type { Scope } from '../core/scopes.ts'
import { SalusError, type SalusErrorParameters } from '../errors/salusError.ts'

/**
 * Latest signed manifest head per (author key, scope), kept by care nodes so a
 * grantee sees records added after the grant while the patient is offline.
 */
export const headProtocol = '/salus/head/1.0.0'

export type HeadErrorCode = 'malformed' | 'too-large' | 'bad-signature' | 'stale-seq' | 'not-found' | 'internal' | 'unreachable' | 'timeout'

export type HeadRequest =
  | { v: 1; op: 'put'; head: SignedHead }
  | { v: 1; op: 'get'; author: Uint8Array; scope: Scope }

export type HeadResponse =
  | { ok: true; head?: SignedHead }
  | { ok: false; code: HeadErrorCode; message: string }

const headErrorCodes = new Set<string>(['malformed', 'too-large', 'bad-signature', 'stale-seq', 'not-found', 'internal'])

/** A head was refused by a care node, or could not be fetched; `code` says why. */
export class HeadRequestError extends SalusError {
  override name = 'HeadRequestError' as const
  readonly code: HeadErrorCode
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
}

/** Validates an untrusted decoded request (shape only; the server checks the signature). */
export function parseHeadRequest(value: unknown): HeadRequest {
  const fail: Fail = (details) => {
    throw new HeadRequestError('malformed', details)
  }
  const m = mapField(value, 'request', fail)
  if (m.v !== 1) fail('v must be 1')
  if (m.op === 'put') {
    mapField(m, 'request', fail, ['v', 'op', 'head'])
    try {
      return { v: 1, op: 'put', head: decodeSignedHead(m.head) }
    } catch (error) {
      if (error instanceof ManifestTamperedError) fail(error.details ?? 'bad head')
      throw error
    }
  }
  if (m.op === 'get') {
    mapField(m, 'request', fail, ['v', 'op', 'author', 'scope'])
    return { v: 1, op: 'get', author: bytesField(m.author, 'author', fail, compressedKeyBytes), scope: scopeField(m.scope, 'scope', fail) }
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
    throw new HeadRequestError(code, `care node refused: ${String(response.message ?? '').slice(0, 500)}`)
  }
  throw new HeadRequestError('malformed', 'response has neither ok:true nor ok:false with a code')
}

export function encodeHeadRequest(request: HeadRequest): Record<string, unknown> {
  return { ...request }
}

/** The bytes a care node stores per (author, scope). */
export function encodeStoredHead(head: SignedHead): Uint8Array {
  return dagCbor.encode(head)
}
