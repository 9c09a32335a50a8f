import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from '@noble/hashes/sha2.js'
import { encodeCareAuth, parseCareAuth, type CareAuth } from './careAuth.ts'
import type { Fail } from '../core/consent/untrustedFields.ts'

/**
 * The HTTP side of a care node's SMART Health Link files (flag U: one encrypted file
 * per link). Anyone with the link reads `GET /shl/<id>?recipient=…`; only the patient
 * identity that first put a link may replace (`PUT`) or delete (`DELETE`) it, with a
 * care-node signature (careAuth.ts, protocol `shl`) in the `Salus-Auth` header.
 */
export const shlPathPrefix = '/shl/'
/** 32 random bytes or more, base64url without padding (the SHL spec asks for 256 bits of entropy). */
export const shlIdPattern = /^[A-Za-z0-9_-]{43,128}$/
export const shlAuthHeader = 'salus-auth'
/** Seconds the link should live; the node caps it (ShlLimits.maxLifetimeSeconds). */
export const shlLifetimeHeader = 'salus-lifetime'
/** A compact JWE: five base64url parts, the second (encrypted key) empty for `dir`. */
export const compactJwePattern = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

export type ShlOperation = 'put' | 'delete'

/** What the patient signs: the operation, the link id, the file's sha256 and the lifetime asked for. */
export function shlRequestBody(op: ShlOperation, id: string, file?: Uint8Array, lifetimeSeconds?: number): Record<string, unknown> {
  const body: Record<string, unknown> = { op, id }
  if (file) body.digest = sha256(file)
  if (lifetimeSeconds !== undefined) body.lifetime = lifetimeSeconds
  return body
}

export function encodeShlAuthHeader(auth: CareAuth): string {
  return base64url(dagCbor.encode(encodeCareAuth(auth)))
}

/** Shape only (verifyCareAuth checks the signature); fails through `fail`. */
export function decodeShlAuthHeader(header: string, fail: Fail): CareAuth {
  if (header.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(header)) fail('auth header is not base64url')
  let decoded: unknown
  try {
    decoded = dagCbor.decode(fromBase64url(header))
  } catch {
    fail('auth header is not dag-cbor')
  }
  return parseCareAuth(decoded, fail)
}

/** A fresh link id: 32 random bytes, base64url (43 characters). */
export function newShlId(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)))
}

export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(binary, (char) => char.charCodeAt(0))
}
