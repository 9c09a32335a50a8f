import * as dagCbor from '@ipld/dag-cbor'
import * as umbral from '@nucypher/umbral-pre'
import { describe, expect, it } from 'vitest'
import {
  encodeCapsuleRequest,
  parseCapsuleRequest,
  signCapsuleRequest,
  verifyCapsuleRequestSignature,
} from '../../src/core/consent/capsuleRequest.ts'
import { wrapDataKey } from '../../src/crypto/umbral.ts'

const doctor = new umbral.Signer(umbral.SecretKey.random())
const doctorKey = doctor.verifyingKey().toCompressedBytes()
const capsule = wrapDataKey(umbral.SecretKey.random().publicKey(), new Uint8Array(32)).capsule
const wire = (value: unknown) => dagCbor.decode(dagCbor.encode(value))

describe('capsule request', () => {
  it('is signed by the grantee over every field', () => {
    const request = signCapsuleRequest(doctor, { grantId: 2n ** 200n + 5n, scope: 'labs', epoch: 0, capsules: [capsule] })
    const parsed = parseCapsuleRequest(wire(encodeCapsuleRequest(request)))
    expect(parsed.grantId).toBe(2n ** 200n + 5n)
    expect(verifyCapsuleRequestSignature(parsed, doctorKey)).toBe(true)
    const other = new umbral.Signer(umbral.SecretKey.random()).verifyingKey().toCompressedBytes()
    expect(verifyCapsuleRequestSignature(parsed, other)).toBe(false)
    for (const change of [{ grantId: 6n }, { scope: 'notes' as const }, { epoch: 1 }, { timestamp: parsed.timestamp + 1 }, { nonce: new Uint8Array(16) }, { capsules: [capsule, capsule] }]) {
      expect(verifyCapsuleRequestSignature({ ...parsed, ...change }, doctorKey)).toBe(false)
    }
  })

  it('rejects malformed and oversized requests with their codes', () => {
    const good = encodeCapsuleRequest(signCapsuleRequest(doctor, { grantId: 1n, scope: 'labs', epoch: 0, capsules: [capsule] }))
    const malformed: unknown[] = [
      { ...good, v: 1 },
      { ...good, epoch: -1 },
      { ...good, epoch: '0' },
      { ...good, grantId: 1 },
      { ...good, grantId: '0xZZ' },
      { ...good, scope: 'all' },
      { ...good, capsules: [] },
      { ...good, capsules: [new Uint8Array(300)] },
      { ...good, nonce: new Uint8Array(3) },
      { ...good, signature: new Uint8Array(63) },
      { ...good, timestamp: -1 },
      { ...good, extra: true },
      'request',
    ]
    for (const value of malformed) expect(() => parseCapsuleRequest(wire(value))).toThrow(expect.objectContaining({ code: 'malformed' }))
    expect(() => parseCapsuleRequest({ ...good, capsules: Array(65).fill(capsule) })).toThrow(expect.objectContaining({ code: 'too-large' }))
    expect(() => signCapsuleRequest(doctor, { grantId: -1n, scope: 'labs', epoch: 0, capsules: [capsule] })).toThrow()
  })
})
