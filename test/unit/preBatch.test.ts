// The batch message of /salus/pre/1.0.0 (request version 4): many records' capsules in one
// request per proxy. Real Umbral, real bundles and proxy services; only the chain is a
// table (the oracle), as in shareProxy.test.ts.
import * as dagCbor from '@ipld/dag-cbor'
import * as umbral from '@nucypher/umbral-pre'
import { beforeEach, describe, expect, it } from 'vitest'
import { proxiesCommitment } from '../../src/chain/consent/proxiesCommitment.ts'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { encodeCapsuleBatch, maxBatchCapsules, signCapsuleBatch, type CapsuleBatchGroup } from '../../src/core/consent/capsuleBatchRequest.ts'
import { CapsuleRequestError } from '../../src/core/consent/consentErrors.ts'
import { buildKeyFragmentBundle } from '../../src/core/consent/keyFragmentBundle.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'
import type { Scope } from '../../src/core/scopes.ts'
import { ProxyRefusedError, SharedAccessError } from '../../src/core/share/shareErrors.ts'
import { unwrapBatchThroughProxies, type BatchUnwrapItem } from '../../src/core/share/unwrapBatchThroughProxies.ts'
import type { FragmentSource } from '../../src/core/share/unwrapThroughProxies.ts'
import { recordSigner, unwrapDataKey } from '../../src/crypto/umbral.ts'
import type { GrantOracle, GrantState } from '../../src/p2p/grantOracle.ts'
import { parsePreBatchResponse } from '../../src/p2p/preProtocol.ts'
import { createProxyService, type ProxyService } from '../../src/p2p/proxyService.ts'
import { scopesMask } from '../../src/zk/grantHash.ts'

const seed = new Uint8Array(32).fill(23)
const patient = recordSigner(seed)
const doctorKey = umbral.SecretKey.random()
const doctor = new umbral.Signer(doctorKey)
const grantee = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc' as const
const proxyKeys = [0, 1, 2].map(() => umbral.SecretKey.random())
const proxyAddresses = ['0x' + '1'.repeat(40), '0x' + '2'.repeat(40), '0x' + '3'.repeat(40)] as `0x${string}`[]
const grantId = 9n
const now = 1_800_000_000
const consent = '0xc0115e1700000000000000000000000000000001' as const
const pseudonym = 0xabcdefn << 160n

type World = { grant: GrantState; sessionScopes: Scope[]; proxies: ProxyService[]; bundle: Awaited<ReturnType<typeof buildKeyFragmentBundle>>['bundle'] }

async function world(): Promise<World> {
  const blocks = memoryBlockAccess()
  const built = await buildKeyFragmentBundle({
    preMasterSeed: seed,
    author: patient.verifyingKey,
    grantee,
    receivingPublicKey: doctorKey.publicKey(),
    scopes: ['labs', 'allergies'],
    epochs: { labs: 0, allergies: 0 },
    proxies: proxyKeys.map((key, i) => ({ address: proxyAddresses[i]!, umbralPublicKey: key.publicKey().toCompressedBytes() })),
    threshold: 2,
    salt: new Uint8Array(32),
    binding: { chainId: 31337, consent, pseudonym, expiry: now + 3600 },
  })
  await blocks.put(built.bytes, 'dag-cbor')
  const w: World = {
    grant: {
      grantee,
      scopesMask: scopesMask(['labs', 'allergies']),
      expiry: now + 3600,
      revoked: false,
      bundleCid: built.cid.toString(),
      threshold: 2,
      pseudonym,
      proxiesHash: proxiesCommitment({ proxies: proxyAddresses, salt: `0x${'00'.repeat(32)}` }),
      chainId: 31337,
      consent,
    },
    sessionScopes: ['labs', 'allergies'],
    proxies: [],
    bundle: built.bundle,
  }
  const oracle: GrantOracle = {
    grant: async (id) => (id === grantId ? { ...w.grant } : undefined),
    lastSession: async (_id, scope) => (w.sessionScopes.includes(scope) ? now - 10 : 0),
    granteeKey: async (address) => (address === grantee ? doctor.verifyingKey().toCompressedBytes() : undefined),
    sessionTtl: async () => 600,
  }
  w.proxies = proxyKeys.map((secretKey, i) => createProxyService({ oracle, proxy: { address: proxyAddresses[i]!, secretKey }, fetchBundle: (cid) => blocks.get(cid), now: () => now }))
  return w
}

/** A record's key sealed to the scope's key of the epoch: the capsule, the wrapped key and the key itself. */
function sealedKey(scope: Scope, epoch = 0): BatchUnwrapItem & { dataKey: Uint8Array } {
  const dataKey = crypto.getRandomValues(new Uint8Array(32))
  const [capsule, wrappedKey] = umbral.encrypt(scopeSecretKey(seed, scope, epoch).publicKey(), dataKey)
  return { scope, epoch, capsule: capsule.toBytes(), wrappedKey, dataKey }
}

/** The wire as a proxy sees it: dag-cbor both ways, counting requests. */
function source(service: ProxyService, id: string, counter = { requests: 0 }): FragmentSource {
  return {
    id,
    reencrypt: async () => {
      throw new Error('the batch path must not fall back to single requests')
    },
    async reencryptBatch(groups) {
      counter.requests++
      const request = encodeCapsuleBatch(signCapsuleBatch(doctor, { grantId, groups, timestamp: now }))
      const count = groups.reduce((sum, group) => sum + group.capsules.length, 0)
      return parsePreBatchResponse(dagCbor.decode(dagCbor.encode(await service.handle(dagCbor.decode(dagCbor.encode(request))))), count)
    },
  }
}

function unwrap(w: World, items: BatchUnwrapItem[], sources: FragmentSource[]) {
  return unwrapBatchThroughProxies({
    items,
    threshold: 2,
    verifyingKey: w.bundle.grantKey,
    delegatingKey: (scope, epoch) => w.bundle.scopes.find((s) => s.scope === scope)!.epochs.find((e) => e.epoch === epoch)!.delegatingKey,
    receivingSecretKey: doctorKey,
    sources,
    maxBatch: maxBatchCapsules,
  })
}

const signedBatch = (groups: CapsuleBatchGroup[], signer = doctor) => encodeCapsuleBatch(signCapsuleBatch(signer, { grantId, groups, timestamp: now }))

describe('batch re-encryption: many records in one request per proxy', () => {
  let w: World
  beforeEach(async () => {
    w = await world()
  })

  it('unwraps 300 records of two scopes with ONE request per proxy, every key right', async () => {
    const items = Array.from({ length: 300 }, (_, i) => sealedKey(i % 3 === 0 ? 'allergies' : 'labs'))
    const counters = [{ requests: 0 }, { requests: 0 }, { requests: 0 }]
    const keys = await unwrap(w, items, w.proxies.map((p, i) => source(p, `p${i}`, counters[i])))
    keys.forEach((key, i) => expect(key).toEqual(items[i]!.dataKey))
    expect(counters.map((c) => c.requests)).toEqual([1, 1, 0])
  })

  it('a forged capsule in a batch fails only itself, at the proxy and at the grantee', async () => {
    const good = sealedKey('labs')
    const tampered = new Uint8Array(good.capsule)
    tampered[5]! ^= 0xff
    const answer = await w.proxies[0]!.handle(signedBatch([{ scope: 'labs', epoch: 0, capsules: [sealedKey('labs').capsule, new Uint8Array(98).fill(7), tampered, good.capsule] }]))
    expect(answer.ok).toBe(true)
    const results = (answer as { results: unknown[] }).results
    expect(results[0]).toBeInstanceOf(Uint8Array)
    expect(results[1]).toMatchObject({ code: 'malformed' })
    expect(results[2]).toMatchObject({ code: 'malformed' })
    expect(results[3]).toBeInstanceOf(Uint8Array)
    // Through the grantee's side: the forged ones fail alone, the others open.
    const items = [sealedKey('labs'), { ...sealedKey('labs'), capsule: new Uint8Array(98).fill(7) }, sealedKey('allergies')]
    const keys = await unwrap(w, items, w.proxies.map((p, i) => source(p, `p${i}`)))
    expect(keys[0]).toEqual(items[0]!.dataKey)
    expect(keys[1]).toBeInstanceOf(Error)
    expect(keys[2]).toEqual(items[2]!.dataKey)
  })

  it('a capsule of a scope the grant does not cover, or without a session, fails alone; the rest of the batch is served', async () => {
    w.sessionScopes = ['labs']
    const answer = await w.proxies[0]!.handle(
      signedBatch([
        { scope: 'labs', epoch: 0, capsules: [sealedKey('labs').capsule] },
        { scope: 'notes', epoch: 0, capsules: [sealedKey('notes').capsule] },
        { scope: 'allergies', epoch: 0, capsules: [sealedKey('allergies').capsule] },
        { scope: 'labs', epoch: 1, capsules: [sealedKey('labs', 1).capsule] },
      ]),
    )
    expect(answer).toMatchObject({ ok: true })
    const results = (answer as { results: unknown[] }).results
    expect(results[0]).toBeInstanceOf(Uint8Array)
    expect(results[1]).toMatchObject({ code: 'scope-not-granted' })
    expect(results[2]).toMatchObject({ code: 'no-session' })
    expect(results[3]).toMatchObject({ code: 'no-fragment' })
  })

  it('keeps every request-wide check: signature, replay, staleness, unknown grant, revoked, expired', async () => {
    const groups = [{ scope: 'labs' as const, epoch: 0, capsules: [sealedKey('labs').capsule] }]
    expect(await w.proxies[0]!.handle(signedBatch(groups, new umbral.Signer(umbral.SecretKey.random())))).toMatchObject({ ok: false, code: 'bad-signature' })
    const once = signedBatch(groups)
    expect(await w.proxies[0]!.handle(once)).toMatchObject({ ok: true })
    expect(await w.proxies[0]!.handle(once)).toMatchObject({ ok: false, code: 'stale-request' })
    // A capsule swapped in after signing: the signature covers every capsule.
    const swapped = signedBatch(groups)
    ;(swapped.groups as { capsules: Uint8Array[] }[])[0]!.capsules = [sealedKey('labs').capsule]
    expect(await w.proxies[0]!.handle(swapped)).toMatchObject({ ok: false, code: 'bad-signature' })
    const old = encodeCapsuleBatch(signCapsuleBatch(doctor, { grantId, groups, timestamp: now - 121 }))
    expect(await w.proxies[0]!.handle(old)).toMatchObject({ ok: false, code: 'stale-request' })
    const other = encodeCapsuleBatch(signCapsuleBatch(doctor, { grantId: 8n, groups, timestamp: now }))
    expect(await w.proxies[0]!.handle(other)).toMatchObject({ ok: false, code: 'unknown-grant' })
    w.grant.expiry = now
    expect(await w.proxies[0]!.handle(signedBatch(groups))).toMatchObject({ ok: false, code: 'expired' })
    w.grant.revoked = true
    expect(await w.proxies[0]!.handle(signedBatch(groups))).toMatchObject({ ok: false, code: 'revoked' })
  })

  it('refuses a batch over the limit with a clear error, before sending and at the proxy', async () => {
    const capsule = sealedKey('labs').capsule
    const over = [{ scope: 'labs' as const, epoch: 0, capsules: Array<Uint8Array>(maxBatchCapsules + 1).fill(capsule) }]
    let refused: unknown
    try {
      signCapsuleBatch(doctor, { grantId, groups: over, timestamp: now })
    } catch (error) {
      refused = error
    }
    expect(refused).toBeInstanceOf(CapsuleRequestError)
    expect(refused).toMatchObject({ code: 'too-large' })
    expect((refused as CapsuleRequestError).shortMessage).toMatch(/Too many records/)
    // Crafted past the client's check: the proxy refuses it whole, before any check or work.
    const crafted = signedBatch([{ scope: 'labs', epoch: 0, capsules: [capsule] }])
    ;(crafted.groups as { capsules: Uint8Array[] }[])[0]!.capsules = Array<Uint8Array>(maxBatchCapsules + 1).fill(capsule)
    expect(await w.proxies[0]!.handle(crafted)).toMatchObject({ ok: false, code: 'too-large' })
    // The grantee's side splits a larger set into batches of the limit.
    const items = Array.from({ length: 5 }, () => sealedKey('labs'))
    const counter = { requests: 0 }
    const keys = await unwrapBatchThroughProxies({
      items,
      threshold: 2,
      verifyingKey: w.bundle.grantKey,
      delegatingKey: (scope, epoch) => w.bundle.scopes.find((s) => s.scope === scope)!.epochs.find((e) => e.epoch === epoch)!.delegatingKey,
      receivingSecretKey: doctorKey,
      sources: [source(w.proxies[0]!, 'p0', counter), source(w.proxies[1]!, 'p1')],
      maxBatch: 2,
    })
    keys.forEach((key, i) => expect(key).toEqual(items[i]!.dataKey))
    expect(counter.requests).toBe(3)
  })

  it('drops a proxy whose batch answer holds one forged fragment, and asks the next', async () => {
    const items = Array.from({ length: 20 }, () => sealedKey('labs'))
    const honest = source(w.proxies[0]!, 'liar')
    const liar: FragmentSource = {
      ...honest,
      async reencryptBatch(groups) {
        const answer = await honest.reencryptBatch!(groups)
        // One fragment of another capsule, in place 7: well-formed, but not this capsule's.
        const other = await source(w.proxies[0]!, 'x').reencryptBatch!([{ scope: 'labs', epoch: 0, capsules: [sealedKey('labs').capsule] }])
        answer[7] = other[0]!
        return answer
      },
    }
    const third = { requests: 0 }
    const keys = await unwrap(w, items, [liar, source(w.proxies[1]!, 'p1'), source(w.proxies[2]!, 'p2', third)])
    keys.forEach((key, i) => expect(key).toEqual(items[i]!.dataKey))
    expect(third.requests).toBe(1)
    // With only the liar and one honest proxy: never a wrong key. The capsule it lied about fails,
    // naming it; once found out, nothing more of its answer is used; every key returned is right.
    const short = await unwrap(w, items, [liar, source(w.proxies[1]!, 'p1')])
    expect(short[7]).toBeInstanceOf(SharedAccessError)
    expect((short[7] as SharedAccessError).failures).toContainEqual({ proxy: 'liar', code: 'forged-fragment' })
    short.forEach((key, i) => (key instanceof Uint8Array ? expect(key).toEqual(items[i]!.dataKey) : expect(key).toBeInstanceOf(SharedAccessError)))
    // A proxy answering garbage for every capsule: nothing from it is used, the third proxy serves.
    const garbage: FragmentSource = { ...honest, id: 'garbage', reencryptBatch: async (groups) => (await honest.reencryptBatch!(groups)).map((r) => (r instanceof Uint8Array ? r.map(() => 7) : r)) }
    const viaThird = await unwrap(w, items, [garbage, source(w.proxies[1]!, 'p1'), source(w.proxies[2]!, 'p2')])
    viaThird.forEach((key, i) => expect(key).toEqual(items[i]!.dataKey))
  })

  it('a refusal of the whole batch is the proxy’s reason, per capsule at the grantee', async () => {
    w.grant.revoked = true
    const keys = await unwrap(w, [sealedKey('labs'), sealedKey('allergies')], w.proxies.map((p, i) => source(p, `p${i}`)))
    for (const key of keys) expect(key).toMatchObject({ name: 'SharedAccessError', code: 'revoked' })
    expect(ProxyRefusedError).toBeDefined()
    void unwrapDataKey
  })
})
