import * as dagCbor from '@ipld/dag-cbor'
import { bytesField, domainSeparated, mapField, stringField, uintField, type Fail } from '../core/consent/untrustedFields.ts'
import { checkWork, findWork, pinIdentity, pinIdentityKeyBytes, pinSignatureBytes, signPinMessage, verifyPinMessage, type PinIdentity } from '../crypto/pinIdentity.ts'

/**
 * The signature a patient puts on a request that makes a care node store something
 * (`/salus/pin/1.0.0`, a head put on `/salus/head/1.0.0`). The key is the patient's
 * pinning identity for that one care node (crypto/pinIdentity.ts); the signature
 * covers the protocol, the whole request, the care node's peer id and a fresh time,
 * so it is good for that node, that request, and two minutes.
 */
export type CareAuth = {
  /** Ed25519 public key, 32 bytes. */
  key: Uint8Array
  /** The care node's peer id this request is for. */
  node: string
  /** Unix seconds. */
  at: number
  nonce: Uint8Array
  /** Registration work (see findWork), sent on first contact. */
  work?: number
  sig: Uint8Array
}

export type CareAuthProtocol = 'pin' | 'head' | 'shl'

/** A request older or newer than this (seconds) is refused. */
export const careAuthFreshnessSeconds = 120
/** Registration work a care node asks of a new identity unless configured otherwise. */
export const defaultRegistrationWorkBits = 12
const nonceBytes = 16
const maxPeerIdLength = 128

/** What a signature covers: the protocol, the request body (everything but auth) and the auth fields but sig. */
export function careAuthMessage(protocol: CareAuthProtocol, body: Record<string, unknown>, auth: Omit<CareAuth, 'sig'>): Uint8Array {
  const { key, node, at, nonce } = auth
  const signed: Record<string, unknown> = { body, key, node, at, nonce }
  if (auth.work !== undefined) signed.work = auth.work
  return domainSeparated(`salus/care-request/${protocol}/v1`, dagCbor.encode(signed))
}

/** The challenge whose work registers `key` with care node `node`. */
export function registrationChallenge(key: Uint8Array, node: string): Uint8Array {
  return domainSeparated('salus/care-registration/v1', dagCbor.encode({ key, node }))
}

export type CareSigner = {
  identity: PinIdentity
  /** Bits of registration work to attach; undefined attaches none. */
  workBits?: number
}

const workCache = new Map<string, number>()

/** Signs a request body for care node `node`; attaches registration work when asked to. */
export function signCareRequest(protocol: CareAuthProtocol, body: Record<string, unknown>, node: string, signer: CareSigner, now = Math.floor(Date.now() / 1000)): CareAuth {
  const nonce = crypto.getRandomValues(new Uint8Array(nonceBytes))
  const auth: Omit<CareAuth, 'sig'> = { key: signer.identity.publicKey, node, at: now, nonce }
  if (signer.workBits !== undefined) {
    const cacheKey = `${node}:${signer.workBits}:${Array.from(signer.identity.publicKey).join(',')}`
    let work = workCache.get(cacheKey)
    if (work === undefined) {
      work = findWork(registrationChallenge(signer.identity.publicKey, node), signer.workBits)
      workCache.set(cacheKey, work)
    }
    auth.work = work
  }
  return { ...auth, sig: signPinMessage(signer.identity, careAuthMessage(protocol, body, auth)) }
}

/** The pinning identity a patient uses with one care node. */
export function careSignerFor(preMasterSeed: Uint8Array, carePeerId: string, workBits?: number): CareSigner {
  return { identity: pinIdentity(preMasterSeed, carePeerId), ...(workBits === undefined ? {} : { workBits }) }
}

export function encodeCareAuth(auth: CareAuth): Record<string, unknown> {
  const out: Record<string, unknown> = { key: auth.key, node: auth.node, at: auth.at, nonce: auth.nonce, sig: auth.sig }
  if (auth.work !== undefined) out.work = auth.work
  return out
}

/** Shape only; `verifyCareAuth` checks the signature. */
export function parseCareAuth(value: unknown, fail: Fail): CareAuth {
  const m = mapField(value, 'auth', fail, ['key', 'node', 'at', 'nonce', 'work', 'sig'])
  const auth: CareAuth = {
    key: bytesField(m.key, 'auth.key', fail, pinIdentityKeyBytes),
    node: stringField(m.node, 'auth.node', fail, maxPeerIdLength),
    at: uintField(m.at, 'auth.at', fail),
    nonce: bytesField(m.nonce, 'auth.nonce', fail, nonceBytes),
    sig: bytesField(m.sig, 'auth.sig', fail, pinSignatureBytes),
  }
  if (m.work !== undefined) auth.work = uintField(m.work, 'auth.work', fail)
  return auth
}

export type CareAuthRefusal = 'wrong-node' | 'stale' | 'bad-signature'

/**
 * Checks an auth against this node and the clock, then the signature: pure CPU,
 * no store or chain read. Returns why it fails, or undefined when it holds.
 */
export function verifyCareAuth(
  protocol: CareAuthProtocol,
  body: Record<string, unknown>,
  auth: CareAuth,
  { node, now = Math.floor(Date.now() / 1000) }: { node: string; now?: number },
): CareAuthRefusal | undefined {
  if (auth.node !== node) return 'wrong-node'
  if (Math.abs(now - auth.at) > careAuthFreshnessSeconds) return 'stale'
  const { sig, ...unsigned } = auth
  if (!verifyPinMessage(auth.key, careAuthMessage(protocol, body, unsigned), sig)) return 'bad-signature'
  return undefined
}

export function hasRegistrationWork(auth: CareAuth, bits: number): boolean {
  return auth.work !== undefined && checkWork(registrationChallenge(auth.key, auth.node), auth.work, bits)
}

/** Nonces seen within the freshness window (twice 120 s); a replayed request is refused. */
export function freshNonces(maxEntries = 100_000) {
  const seen = new Map<string, number>()
  return {
    fresh(auth: CareAuth): boolean {
      const now = Date.now()
      for (const [key, expires] of seen) {
        if (expires > now && seen.size < maxEntries) break
        seen.delete(key)
      }
      const key = `${toHex(auth.key)}:${toHex(auth.nonce)}`
      if (seen.has(key)) return false
      seen.set(key, now + 240_000)
      return true
    },
  }
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
