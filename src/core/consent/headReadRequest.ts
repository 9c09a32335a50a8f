import * as dagCbor from '@ipld/dag-cbor'
import { signBytes, verifyBytes, type Signer } from '../../crypto/umbral.ts'
import type { Scope } from '../scopes.ts'
import { requestFreshnessSeconds, requestNonceBytes } from './capsuleRequest.ts'
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

export type HeadReadGrant = { grantId: bigint; timestamp: number; nonce: Uint8Array; signature: Uint8Array }

export function signHeadRead(signer: Signer, p: { grantId: bigint; author: Uint8Array; scope: Scope; timestamp?: number; nonce?: Uint8Array }): HeadReadGrant {
  const timestamp = p.timestamp ?? Math.floor(Date.now() / 1000)
  const nonce = p.nonce ?? crypto.getRandomValues(new Uint8Array(requestNonceBytes))
  return { grantId: p.grantId, timestamp, nonce, signature: signBytes(signer, headReadMessage({ grantId: p.grantId, author: p.author, scope: p.scope, timestamp, nonce })) }
}

export function verifyHeadReadSignature(grant: HeadReadGrant, p: { author: Uint8Array; scope: Scope }, granteeKey: Uint8Array): boolean {
  return verifyBytes(granteeKey, headReadMessage({ ...grant, ...p }), grant.signature)
}

/** The wire form (grantId as 0x-hex: dag-cbor integers stop at 64 bits). */
export function encodeHeadReadGrant(grant: HeadReadGrant): Record<string, unknown> {
  return { grantId: `0x${grant.grantId.toString(16)}`, timestamp: grant.timestamp, nonce: grant.nonce, signature: grant.signature }
}

export function parseHeadReadGrant(value: unknown, fail: Fail): HeadReadGrant {
  const m = mapField(value, 'grant', fail, ['grantId', 'timestamp', 'nonce', 'signature'])
  return {
    grantId: BigInt(stringField(m.grantId, 'grant.grantId', fail, 66, /^0x[0-9a-f]{1,64}$/)),
    timestamp: uintField(m.timestamp, 'grant.timestamp', fail, 2 ** 40),
    nonce: bytesField(m.nonce, 'grant.nonce', fail, requestNonceBytes),
    signature: bytesField(m.signature, 'grant.signature', fail, signatureBytes),
  }
}

export { requestFreshnessSeconds as headReadFreshnessSeconds }

function headReadMessage(p: { grantId: bigint; author: Uint8Array; scope: Scope; timestamp: number; nonce: Uint8Array }): Uint8Array {
  if (p.author.byteLength !== compressedKeyBytes) throw new TypeError('author is a 33-byte compressed key')
  return domainSeparated(headReadDomain, dagCbor.encode({ grantId: `0x${p.grantId.toString(16)}`, author: p.author, scope: p.scope, timestamp: p.timestamp, nonce: p.nonce }))
}
