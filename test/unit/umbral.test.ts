import * as umbral from '@nucypher/umbral-pre'
import { describe, expect, it } from 'vitest'
import { KeyUnwrapError, loadUmbral, recordSigner, signBytes, unwrapDataKey, unwrapReencryptedDataKey, verifyBytes, wrapDataKey } from '../../src/crypto/umbral.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'

const seed = new Uint8Array(32).fill(42)
const dataKey = crypto.getRandomValues(new Uint8Array(32))

describe('umbral', () => {
  it('loads and derives one stable key per scope and epoch', async () => {
    expect((await loadUmbral()).SecretKeyFactory.seedSize()).toBe(32)
    const a = scopeSecretKey(seed, 'labs', 0).publicKey().toCompressedBytes()
    expect(scopeSecretKey(seed, 'labs', 0).publicKey().toCompressedBytes()).toEqual(a)
    expect(scopeSecretKey(seed, 'labs', 1).publicKey().toCompressedBytes()).not.toEqual(a)
    expect(scopeSecretKey(seed, 'allergies', 0).publicKey().toCompressedBytes()).not.toEqual(a)
    expect(scopeSecretKey(new Uint8Array(32).fill(1), 'labs', 0).publicKey().toCompressedBytes()).not.toEqual(a)
    // The label is exactly `scope/<name>/<epoch>` on the seed's factory: other implementations must agree.
    const factory = umbral.SecretKeyFactory.fromSecureRandomness(seed)
    expect(factory.makeKey(new TextEncoder().encode('scope/labs/0')).publicKey().toCompressedBytes()).toEqual(a)
    expect(() => scopeSecretKey(new Uint8Array(31), 'labs', 0)).toThrow(TypeError)
    expect(() => scopeSecretKey(seed, 'labs', -1)).toThrow(TypeError)
  })

  it('wraps and unwraps a data key for the scope owner only', () => {
    const secretKey = scopeSecretKey(seed, 'allergies', 3)
    const { capsule, wrappedKey } = wrapDataKey(secretKey.publicKey(), dataKey)
    expect(unwrapDataKey(secretKey, capsule, wrappedKey)).toEqual(dataKey)
    const viaBytes = wrapDataKey(secretKey.publicKey().toCompressedBytes(), dataKey)
    expect(unwrapDataKey(secretKey, viaBytes.capsule, viaBytes.wrappedKey)).toEqual(dataKey)

    expect(() => unwrapDataKey(scopeSecretKey(seed, 'allergies', 4), capsule, wrappedKey)).toThrow(KeyUnwrapError)
    const badWrapped = wrappedKey.slice()
    badWrapped[badWrapped.length - 1]! ^= 1
    expect(() => unwrapDataKey(secretKey, capsule, badWrapped)).toThrow(KeyUnwrapError)
    const badCapsule = capsule.slice()
    badCapsule[badCapsule.length - 1]! ^= 1
    expect(() => unwrapDataKey(secretKey, badCapsule, wrappedKey)).toThrow(KeyUnwrapError)
    expect(() => unwrapDataKey(secretKey, new Uint8Array(3), wrappedKey)).toThrow(KeyUnwrapError)
  })

  it('lets a grantee unwrap from threshold capsule fragments', () => {
    const delegating = scopeSecretKey(seed, 'labs', 0)
    const { signer } = recordSigner(seed)
    const doctor = umbral.SecretKey.random()
    const { capsule, wrappedKey } = wrapDataKey(delegating.publicKey(), dataKey)
    const kfrags = umbral.generateKFrags(delegating, doctor.publicKey(), signer, 2, 3, true, true)
    const parsed = umbral.Capsule.fromBytes(capsule)
    const cfrags = kfrags.slice(0, 2).map((kfrag) => umbral.reencrypt(parsed, kfrag))
    expect(unwrapReencryptedDataKey(doctor, delegating.publicKey(), capsule, cfrags, wrappedKey)).toEqual(dataKey)
    expect(() => unwrapReencryptedDataKey(doctor, delegating.publicKey(), capsule, cfrags.slice(0, 1), wrappedKey)).toThrow(KeyUnwrapError)
  })

  it('signs with the record signer and verifies only the same message and key', () => {
    const { signer, verifyingKey } = recordSigner(seed)
    expect(recordSigner(seed).verifyingKey.toCompressedBytes()).toEqual(verifyingKey.toCompressedBytes())
    const message = new TextEncoder().encode('header bytes')
    const signature = signBytes(signer, message)
    expect(signature).toHaveLength(64)
    const key = verifyingKey.toCompressedBytes()
    expect(verifyBytes(key, message, signature)).toBe(true)
    expect(verifyBytes(key, new TextEncoder().encode('header bytez'), signature)).toBe(false)
    expect(verifyBytes(recordSigner(new Uint8Array(32)).verifyingKey.toCompressedBytes(), message, signature)).toBe(false)
    expect(verifyBytes(key, message, new Uint8Array(64))).toBe(false)
    expect(verifyBytes(new Uint8Array(33), message, signature)).toBe(false)
  })
})
