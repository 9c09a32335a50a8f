import * as dagCbor from '@ipld/dag-cbor'
import * as umbral from '@nucypher/umbral-pre'
import { describe, expect, it } from 'vitest'
import {
  buildKeyFragmentBundle,
  decodeKeyFragmentBundle,
  maxBundleBytes,
  openMyKeyFragments,
} from '../../src/core/consent/keyFragmentBundle.ts'
import { recordSigner, scopeSecretKey, wrapDataKey, unwrapReencryptedDataKey } from '../../src/crypto/umbral.ts'

const seed = new Uint8Array(32).fill(5)
const doctor = umbral.SecretKey.random()
const proxySecrets = [umbral.SecretKey.random(), umbral.SecretKey.random(), umbral.SecretKey.random()]
const proxies = proxySecrets.map((secret, i) => ({
  address: `0x${String(i + 1).repeat(40)}` as `0x${string}`,
  umbralPublicKey: secret.publicKey().toCompressedBytes(),
}))
const grantee = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as const

async function build(overrides: Record<string, unknown> = {}) {
  return buildKeyFragmentBundle({
    preMasterSeed: seed,
    grantee,
    receivingPublicKey: doctor.publicKey(),
    scopes: ['labs', 'allergies'],
    epochs: { labs: 0, allergies: 2 },
    proxies,
    threshold: 2,
    salt: new Uint8Array(32).fill(9),
    ...overrides,
  })
}

describe('key-fragment bundle', () => {
  it('gives each proxy only its own verified fragments, and t of them re-encrypt for the grantee', async () => {
    const { bytes, cid, bundle } = await build()
    expect(cid.code).toBe(dagCbor.code)
    expect(bundle.grantee).toBe(grantee.toLowerCase())
    expect(bundle.scopes.map((s) => [s.scope, s.epoch])).toEqual([['labs', 0], ['allergies', 2]])
    expect(bundle.verifyingKey).toEqual(recordSigner(seed).verifyingKey.toCompressedBytes())

    const opened = proxySecrets.map((secret, i) => openMyKeyFragments(bytes, { proxyAddress: proxies[i]!.address, proxySecretKey: secret }))
    const dataKey = crypto.getRandomValues(new Uint8Array(32))
    const labsKey = scopeSecretKey(seed, 'labs', 0)
    const { capsule, wrappedKey } = wrapDataKey(labsKey.publicKey(), dataKey)
    const parsed = umbral.Capsule.fromBytes(capsule)
    const cfrags = [opened[0]!, opened[2]!].map((o) => umbral.reencrypt(parsed, o.fragments.get('labs')!.kfrag))
    expect(unwrapReencryptedDataKey(doctor, labsKey.publicKey(), capsule, cfrags, wrappedKey)).toEqual(dataKey)

    // The allergies fragment is for another delegating key: re-encrypting a labs capsule with it gives nothing usable.
    const wrong = [opened[0]!, opened[1]!].map((o) => umbral.reencrypt(parsed, o.fragments.get('allergies')!.kfrag))
    expect(() => unwrapReencryptedDataKey(doctor, labsKey.publicKey(), capsule, wrong, wrappedKey)).toThrow()
  })

  it('refuses a proxy that is not listed, or that holds another key', async () => {
    const { bytes } = await build()
    expect(() => openMyKeyFragments(bytes, { proxyAddress: `0x${'9'.repeat(40)}`, proxySecretKey: proxySecrets[0]! })).toThrow(
      expect.objectContaining({ name: 'NoKeyFragmentError' }),
    )
    expect(() => openMyKeyFragments(bytes, { proxyAddress: proxies[0]!.address, proxySecretKey: proxySecrets[1]! })).toThrow(
      expect.objectContaining({ name: 'NoKeyFragmentError' }),
    )
  })

  it('detects fragments swapped between proxies or forged for another grantee', async () => {
    const { bundle } = await build()
    const swapped = structuredClone(bundle)
    const labs = swapped.scopes[0]!
    ;[labs.kfrags[0], labs.kfrags[1]] = [labs.kfrags[1]!, labs.kfrags[0]!]
    expect(() => openMyKeyFragments(dagCbor.encode(swapped), { proxyAddress: proxies[0]!.address, proxySecretKey: proxySecrets[0]! })).toThrow(
      expect.objectContaining({ name: 'NoKeyFragmentError' }),
    )
    // Fragments for another receiving key, relabelled as the doctor's: the kfrag signature no longer matches.
    const other = await build({ receivingPublicKey: umbral.SecretKey.random().publicKey() })
    const relabelled = { ...other.bundle, receivingKey: bundle.receivingKey }
    expect(() => openMyKeyFragments(dagCbor.encode(relabelled), { proxyAddress: proxies[1]!.address, proxySecretKey: proxySecrets[1]! })).toThrow(
      expect.objectContaining({ name: 'NoKeyFragmentError' }),
    )
    // A delegating key swapped for another scope's.
    const rekeyed = structuredClone(bundle)
    rekeyed.scopes[0]!.delegatingKey = bundle.scopes[1]!.delegatingKey
    expect(() => openMyKeyFragments(dagCbor.encode(rekeyed), { proxyAddress: proxies[2]!.address, proxySecretKey: proxySecrets[2]! })).toThrow(
      expect.objectContaining({ name: 'NoKeyFragmentError' }),
    )
  })

  it('rejects malformed and oversized bundles before any cryptography', async () => {
    const { bundle } = await build()
    const cases: unknown[] = [
      { ...bundle, v: 2 },
      { ...bundle, extra: 1 },
      { ...bundle, threshold: 4 },
      { ...bundle, threshold: 0 },
      { ...bundle, grantee: 'nobody' },
      { ...bundle, salt: new Uint8Array(31) },
      { ...bundle, receivingKey: new Uint8Array(33).fill(7) },
      { ...bundle, proxies: [...bundle.proxies, bundle.proxies[0]] },
      { ...bundle, scopes: [bundle.scopes[0], bundle.scopes[0]] },
      { ...bundle, scopes: [{ ...bundle.scopes[0], scope: 'gossip' }] },
      { ...bundle, scopes: [{ ...bundle.scopes[0], kfrags: bundle.scopes[0]!.kfrags.slice(1) }] },
      [bundle],
    ]
    for (const value of cases) expect(() => decodeKeyFragmentBundle(dagCbor.encode(value))).toThrow(expect.objectContaining({ name: 'MalformedBundleError' }))
    expect(() => decodeKeyFragmentBundle(new Uint8Array([0xff, 1]))).toThrow(expect.objectContaining({ name: 'MalformedBundleError' }))
    expect(() => decodeKeyFragmentBundle(new Uint8Array(maxBundleBytes + 1))).toThrow(/exceeds/)
  })

  it('checks its inputs', async () => {
    await expect(build({ threshold: 4 })).rejects.toThrow(TypeError)
    await expect(build({ scopes: ['labs', 'labs'] })).rejects.toThrow(TypeError)
    await expect(build({ epochs: {} })).rejects.toThrow(TypeError)
    await expect(build({ salt: new Uint8Array(3) })).rejects.toThrow(TypeError)
    await expect(build({ grantee: '0x12' })).rejects.toThrow(TypeError)
    await expect(build({ proxies: [...proxies, proxies[0]] })).rejects.toThrow(TypeError)
  })
})
