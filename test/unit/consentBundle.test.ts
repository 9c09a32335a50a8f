import * as dagCbor from '@ipld/dag-cbor'
import * as umbral from '@nucypher/umbral-pre'
import { describe, expect, it } from 'vitest'
import {
  buildKeyFragmentBundle,
  keyFragmentBundleWire,
  maxBundleBytes,
  openKeyFragmentBundle,
  openMyKeyFragments,
  sealKeyFragmentBundle,
  type KeyFragmentBundle,
} from '../../src/core/consent/keyFragmentBundle.ts'
import { recordSigner, wrapDataKey, unwrapReencryptedDataKey } from '../../src/crypto/umbral.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'

const seed = new Uint8Array(32).fill(5)
const doctor = umbral.SecretKey.random()
const proxySecrets = [umbral.SecretKey.random(), umbral.SecretKey.random(), umbral.SecretKey.random()]
const proxies = proxySecrets.map((secret, i) => ({
  address: `0x${String(i + 1).repeat(40)}` as `0x${string}`,
  umbralPublicKey: secret.publicKey().toCompressedBytes(),
}))
const grantee = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as const
const binding = { chainId: 31337, consent: '0xC0115e1700000000000000000000000000000001' as const, pseudonym: 123456789n << 200n, expiry: 2_000_000_000 }
const recipients = () => [...proxySecrets.map((s) => s.publicKey()), doctor.publicKey()]

async function build(overrides: Record<string, unknown> = {}) {
  return buildKeyFragmentBundle({
    preMasterSeed: seed,
    author: recordSigner(seed).verifyingKey,
    grantee,
    receivingPublicKey: doctor.publicKey(),
    scopes: ['labs', 'allergies'],
    epochs: { labs: 0, allergies: [0, 2] },
    proxies,
    threshold: 2,
    salt: new Uint8Array(32).fill(9),
    binding,
    ...overrides,
  })
}

/** Re-seals a tampered body (as an attacker with every recipient's public key could). */
const reseal = (body: Record<string, unknown>) => sealKeyFragmentBundle(body, recipients())

describe('key-fragment bundle', () => {
  it('gives each proxy only its own verified fragments per epoch, and t of them re-encrypt for the grantee', async () => {
    const { bytes, cid, bundle } = await build()
    expect(cid.code).toBe(dagCbor.code)
    expect(bundle.grantee).toBe(grantee.toLowerCase())
    expect(bundle.scopes.map((s) => [s.scope, s.epochs.map((e) => e.epoch)])).toEqual([['labs', [0]], ['allergies', [0, 2]]])
    expect(bundle.author).toEqual(recordSigner(seed).verifyingKey.toCompressedBytes())
    expect(bundle.binding).toEqual({ ...binding, consent: binding.consent.toLowerCase() })

    const opened = proxySecrets.map((secret, i) => openMyKeyFragments(bytes, { proxyAddress: proxies[i]!.address, proxySecretKey: secret }))
    const dataKey = crypto.getRandomValues(new Uint8Array(32))
    const labsKey = scopeSecretKey(seed, 'labs', 0)
    const { capsule, wrappedKey } = wrapDataKey(labsKey.publicKey(), dataKey)
    const parsed = umbral.Capsule.fromBytes(capsule)
    const cfrags = [opened[0]!, opened[2]!].map((o) => umbral.reencrypt(parsed, o.fragments.get('labs')!.get(0)!.kfrag))
    expect(unwrapReencryptedDataKey(doctor, labsKey.publicKey(), capsule, cfrags, wrappedKey)).toEqual(dataKey)

    // The allergies fragment is for another delegating key: re-encrypting a labs capsule with it gives nothing usable.
    const wrong = [opened[0]!, opened[1]!].map((o) => umbral.reencrypt(parsed, o.fragments.get('allergies')!.get(2)!.kfrag))
    expect(() => unwrapReencryptedDataKey(doctor, labsKey.publicKey(), capsule, wrong, wrappedKey)).toThrow()
  })

  it('is ciphertext to everyone but its recipients: no patient key, pseudonym or grantee in the bytes', async () => {
    const { bytes, bundle } = await build()
    const hex = Buffer.from(bytes).toString('hex')
    for (const secret of [bundle.author, bundle.scopes[0]!.epochs[0]!.delegatingKey, bundle.receivingKey, bundle.grantKey]) {
      expect(hex).not.toContain(Buffer.from(secret).toString('hex'))
    }
    expect(hex).not.toContain(grantee.slice(2).toLowerCase())
    expect(hex).not.toContain(binding.pseudonym.toString(16))
    // The grantee opens it; a stranger cannot.
    expect(openKeyFragmentBundle(bytes, doctor).binding.pseudonym).toBe(binding.pseudonym)
    expect(() => openKeyFragmentBundle(bytes, umbral.SecretKey.random())).toThrow(expect.objectContaining({ name: 'NoKeyFragmentError' }))
  })

  it('two bundles of one patient for one doctor share no value: every byte field differs in every 16-byte run', async () => {
    const fields = async () => {
      const outer = dagCbor.decode((await build()).bytes) as { recipients: { capsule: Uint8Array; ciphertext: Uint8Array }[]; body: Uint8Array }
      return [...outer.recipients.flatMap((r) => [r.capsule, r.ciphertext]), outer.body].map((bytes) => Buffer.from(bytes).toString('hex'))
    }
    const a = await fields()
    const b = (await fields()).join(' ')
    const shared = a.flatMap((field) => Array.from({ length: Math.max(0, field.length / 2 - 15) }, (_, i) => field.slice(2 * i, 2 * i + 32))).filter((run) => b.includes(run))
    expect(shared).toEqual([])
    expect(a.length).toBe(9)
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

  it('refuses any change to the binding or the fragments: the grant key signed them all', async () => {
    const { bundle } = await build()
    const wire = (b: KeyFragmentBundle) => keyFragmentBundleWire(b)
    const tampered: KeyFragmentBundle[] = [
      { ...bundle, binding: { ...bundle.binding, pseudonym: bundle.binding.pseudonym + 1n } },
      { ...bundle, binding: { ...bundle.binding, expiry: bundle.binding.expiry + 86_400 } },
      { ...bundle, binding: { ...bundle.binding, chainId: 1 } },
      { ...bundle, grantee: `0x${'4'.repeat(40)}` },
      { ...bundle, threshold: 1 },
      { ...bundle, scopes: bundle.scopes.slice(1) },
    ]
    for (const value of tampered) {
      expect(() => openKeyFragmentBundle(reseal(wire(value)), doctor)).toThrow(expect.objectContaining({ name: 'MalformedBundleError' }))
    }
    // Another grant's key and binding around these fragments: its signature does not cover them.
    const other = await build({ receivingPublicKey: doctor.publicKey() })
    const rekeyed = { ...other.bundle, scopes: bundle.scopes }
    expect(() => openMyKeyFragments(reseal(wire(rekeyed)), { proxyAddress: proxies[0]!.address, proxySecretKey: proxySecrets[0]! })).toThrow(
      expect.objectContaining({ name: 'MalformedBundleError', details: expect.stringMatching(/signature over the bundle does not verify/) }),
    )
  })

  it('rejects malformed and oversized bundles before any cryptography', async () => {
    const { bytes } = await build()
    const outer = dagCbor.decode(bytes) as Record<string, unknown>
    const cases: unknown[] = [
      { ...outer, v: 1 },
      { ...outer, extra: 1 },
      { ...outer, recipients: [] },
      { ...outer, body: 'text' },
      [outer],
    ]
    for (const value of cases) expect(() => openKeyFragmentBundle(dagCbor.encode(value), doctor)).toThrow(expect.objectContaining({ name: 'MalformedBundleError' }))
    const { bundle } = await build()
    const body = keyFragmentBundleWire(bundle)
    const bodies: Record<string, unknown>[] = [
      { ...body, extra: 1 },
      { ...body, threshold: 4 },
      { ...body, salt: new Uint8Array(31) },
      { ...body, receivingKey: new Uint8Array(33).fill(7) },
      { ...body, proxies: [...bundle.proxies, bundle.proxies[0]] },
      { ...body, scopes: [bundle.scopes[0], bundle.scopes[0]] },
      { ...body, scopes: [{ ...bundle.scopes[0], scope: 'gossip' }] },
      { ...body, scopes: [{ ...bundle.scopes[1], epochs: [...bundle.scopes[1]!.epochs].reverse() }] },
    ]
    for (const value of bodies) expect(() => openKeyFragmentBundle(reseal(value), doctor)).toThrow(expect.objectContaining({ name: 'MalformedBundleError' }))
    expect(() => openKeyFragmentBundle(new Uint8Array([0xff, 1]), doctor)).toThrow(expect.objectContaining({ name: 'MalformedBundleError' }))
    expect(() => openKeyFragmentBundle(new Uint8Array(maxBundleBytes + 1), doctor)).toThrow(/exceeds/)
  })

  it('checks its inputs', async () => {
    await expect(build({ threshold: 4 })).rejects.toThrow(TypeError)
    await expect(build({ scopes: ['labs', 'labs'] })).rejects.toThrow(TypeError)
    await expect(build({ epochs: {} })).rejects.toThrow(TypeError)
    await expect(build({ salt: new Uint8Array(3) })).rejects.toThrow(TypeError)
    await expect(build({ grantee: '0x12' })).rejects.toThrow(TypeError)
    await expect(build({ proxies: [...proxies, proxies[0]] })).rejects.toThrow(TypeError)
    await expect(build({ binding: { ...binding, chainId: 0 } })).rejects.toThrow(TypeError)
    await expect(build({ binding: { ...binding, pseudonym: -1n } })).rejects.toThrow(TypeError)
  })
})
