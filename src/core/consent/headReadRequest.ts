import * as dagCbor from '@ipld/dag-cbor'
import { signBytes, verifyBytes, type Signer } from '../../crypto/umbral.ts'
import type { Scope } from '../scopes.ts'
import { requestFreshnessSeconds, requestNonceBytes } from './capsuleRequest.ts'
import { encodeResponderPass, parseResponderPass, type ResponderCredential, type ResponderPass } from './responderPass.ts'
import { bytesField, compressedKeyBytes, domainSeparated, mapField, signatureBytes, stringField, uintField, type Fail } from './untrustedFields.ts'

/**
 * A grantee's proof, attached to a head read (`/salus/head/1.0.0` get), that they hold an
 * active grant covering the scope: signed by their registered Umbral key over the grant
 * id, the head's author and scope, a time and a nonce. A care node serves a head only to
 * such a read, and only when the grant's bundle names that author (it is one of the
 * grant's proxies), so a stranger, or a grantee of another patient, learns nothing of
 * when a patient adds records.
 */
const headReadDomain = 'salus.head-read.v1'
/** A break-glass head read (issue 13): the message also carries the responder's pass. */
const breakGlassHeadReadDomain = 'salus.head-read.break-glass.v1'

export type HeadReadGrant = {
  grantId: bigint
  timestamp: number
  nonce: Uint8Array
  signature: Uint8Array
  /** A break-glass read of an emergency card: the responder's pass and their session key's signature. */
  responder?: ResponderPass
  responderSignature?: Uint8Array
}

export function signHeadRead(
  signer: Signer,
  p: { grantId: bigint; author: Uint8Array; scope: Scope; timestamp?: number; nonce?: Uint8Array; responder?: ResponderCredential },
): HeadReadGrant {
  const timestamp = p.timestamp ?? Math.floor(Date.now() / 1000)
  const nonce = p.nonce ?? crypto.getRandomValues(new Uint8Array(requestNonceBytes))
  const message = headReadMessage({ grantId: p.grantId, author: p.author, scope: p.scope, timestamp, nonce, ...(p.responder ? { responder: p.responder.pass } : {}) })
  const grant: HeadReadGrant = { grantId: p.grantId, timestamp, nonce, signature: signBytes(signer, message) }
  if (p.responder) {
    grant.responder = p.responder.pass
    grant.responderSignature = signBytes(p.responder.signer, message)
  }
  return grant
}

export function verifyHeadReadSignature(grant: HeadReadGrant, p: { author: Uint8Array; scope: Scope }, granteeKey: Uint8Array): boolean {
  return verifyBytes(granteeKey, headReadMessage({ ...grant, ...p }), grant.signature)
}

/** True when a break-glass read is signed by its pass's session key. */
export function verifyHeadReadResponderSignature(grant: HeadReadGrant, p: { author: Uint8Array; scope: Scope }): boolean {
  if (!grant.responder || !grant.responderSignature) return false
  return verifyBytes(grant.responder.sessionKey, headReadMessage({ ...grant, ...p }), grant.responderSignature)
}

/** The wire form (grantId as 0x-hex: dag-cbor integers stop at 64 bits). */
export function encodeHeadReadGrant(grant: HeadReadGrant): Record<string, unknown> {
  const wire: Record<string, unknown> = { grantId: `0x${grant.grantId.toString(16)}`, timestamp: grant.timestamp, nonce: grant.nonce, signature: grant.signature }
  if (grant.responder && grant.responderSignature) {
    wire.responder = encodeResponderPass(grant.responder)
    wire.responderSignature = grant.responderSignature
  }
  return wire
}

export function parseHeadReadGrant(value: unknown, fail: Fail): HeadReadGrant {
  const fields = ['grantId', 'timestamp', 'nonce', 'signature']
  const breakGlass = mapField(value, 'grant', fail).responder !== undefined
  const m = mapField(value, 'grant', fail, breakGlass ? [...fields, 'responder', 'responderSignature'] : fields)
  const grant: HeadReadGrant = {
    grantId: BigInt(stringField(m.grantId, 'grant.grantId', fail, 66, /^0x[0-9a-f]{1,64}$/)),
    timestamp: uintField(m.timestamp, 'grant.timestamp', fail, 2 ** 40),
    nonce: bytesField(m.nonce, 'grant.nonce', fail, requestNonceBytes),
    signature: bytesField(m.signature, 'grant.signature', fail, signatureBytes),
  }
  if (breakGlass) {
    grant.responder = parseResponderPass(m.responder, 'grant.responder', fail)
    grant.responderSignature = bytesField(m.responderSignature, 'grant.responderSignature', fail, signatureBytes)
  }
  return grant
}

export { requestFreshnessSeconds as headReadFreshnessSeconds }

function headReadMessage(p: { grantId: bigint; author: Uint8Array; scope: Scope; timestamp: number; nonce: Uint8Array; responder?: ResponderPass | undefined }): Uint8Array {
  if (p.author.byteLength !== compressedKeyBytes) throw new TypeError('author is a 33-byte compressed key')
  const fields = { grantId: `0x${p.grantId.toString(16)}`, author: p.author, scope: p.scope, timestamp: p.timestamp, nonce: p.nonce }
  if (p.responder) return domainSeparated(breakGlassHeadReadDomain, dagCbor.encode({ ...fields, responder: encodeResponderPass(p.responder) }))
  return domainSeparated(headReadDomain, dagCbor.encode(fields))
}
