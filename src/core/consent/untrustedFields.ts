import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { isScope, type Scope } from '../scopes.ts'

/**
 * Checks for decoded dag-cbor from peers and IPFS: each helper returns the typed
 * value or calls `fail(details)`, which the caller binds to its own error class.
 */
export type Fail = (details: string) => never

export const compressedKeyBytes = 33
export const signatureBytes = 64

export function mapField(value: unknown, what: string, fail: Fail, allowed?: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array || CID.asCID(value)) {
    fail(`${what} is not a map`)
  }
  const map = value as Record<string, unknown>
  if (allowed) for (const key of Object.keys(map)) if (!allowed.includes(key)) fail(`${what} has unexpected field ${key.slice(0, 32)}`)
  return map
}

export function bytesField(value: unknown, what: string, fail: Fail, min: number, max = min): Uint8Array {
  if (!(value instanceof Uint8Array) || value.byteLength < min || value.byteLength > max) fail(`${what} is not ${min}..${max} bytes`)
  return value
}

export function uintField(value: unknown, what: string, fail: Fail, max = Number.MAX_SAFE_INTEGER, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) fail(`${what} is not an integer in ${min}..${max}`)
  return value
}

export function stringField(value: unknown, what: string, fail: Fail, maxLength: number, pattern?: RegExp): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || (pattern && !pattern.test(value))) {
    fail(`${what} is not a valid string`)
  }
  return value
}

export function listField(value: unknown, what: string, fail: Fail, min: number, max: number): unknown[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) fail(`${what} is not a list of ${min}..${max} items`)
  return value
}

export function scopeField(value: unknown, what: string, fail: Fail): Scope {
  if (!isScope(value)) fail(`${what} is not a known scope`)
  return value
}

/** CIDv1, sha2-256, with the given codec (Salus blocks only). */
export function cidField(value: unknown, what: string, fail: Fail, codec: number): CID {
  const cid = CID.asCID(value)
  if (!cid || cid.version !== 1 || cid.code !== codec || cid.multihash.code !== sha256.code) fail(`${what} is not a Salus CID`)
  return cid
}

export const addressPattern = /^0x[0-9a-fA-F]{40}$/

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

/** Prefixes a signed message with its purpose, so one key's signatures never stand in for each other. */
export function domainSeparated(domain: string, message: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`${domain}\0`)
  const out = new Uint8Array(prefix.byteLength + message.byteLength)
  out.set(prefix, 0)
  out.set(message, prefix.byteLength)
  return out
}
