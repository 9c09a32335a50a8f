import * as dagCbor from '@ipld/dag-cbor'
import * as umbral from '@nucypher/umbral-pre'
import type { CID } from 'multiformats/cid'
import { beforeEach, describe, expect, it } from 'vitest'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { encodeCapsuleRequest, signCapsuleRequest } from '../../src/core/consent/capsuleRequest.ts'
import { buildKeyFragmentBundle } from '../../src/core/consent/keyFragmentBundle.ts'
import { buildManifest } from '../../src/core/consent/scopeManifest.ts'
import { sealRecord } from '../../src/core/envelope/sealRecord.ts'
import { scopesMask } from '../../src/zk/grantHash.ts'
import { proxiesCommitment } from '../../src/chain/consent/proxiesCommitment.ts'
import type { Scope } from '../../src/core/scopes.ts'
import { listSharedRecords } from '../../src/core/share/listSharedRecords.ts'
import { openSharedRecord } from '../../src/core/share/openSharedRecord.ts'
import { ProxyRefusedError } from '../../src/core/share/shareErrors.ts'
import type { FragmentSource } from '../../src/core/share/unwrapThroughProxies.ts'
import { recordSigner } from '../../src/crypto/umbral.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'
import type { GrantOracle, GrantState } from '../../src/p2p/grantOracle.ts'
import { parsePreResponse } from '../../src/p2p/preProtocol.ts'
import { createProxyService, type ProxyService } from '../../src/p2p/proxyService.ts'

const seed = new Uint8Array(32).fill(21)
const patient = recordSigner(seed)
const doctorKey = umbral.SecretKey.random()
const doctor = new umbral.Signer(doctorKey)
const grantee = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc' as const
const proxyKeys = [0, 1, 2].map(() => umbral.SecretKey.random())
const proxyAddresses = ['0x' + '1'.repeat(40), '0x' + '2'.repeat(40), '0x' + '3'.repeat(40)] as `0x${string}`[]
const grantId = 7n
const now = 1_800_000_000
const consent = '0xc0115e1700000000000000000000000000000001' as const
const pseudonym = 0xabcdefn << 160n
const binding = { chainId: 31337, consent, pseudonym, expiry: now + 3600 }
const proxyList = proxyKeys.map((key, i) => ({ address: proxyAddresses[i]!, umbralPublicKey: key.publicKey().toCompressedBytes() }))

type World = {
  blocks: ReturnType<typeof memoryBlockAccess>
  grant: GrantState
  session: number
  /** Scopes with a logged session (sessions are per scope). */
  sessionScopes: Scope[]
  proxies: ProxyService[]
  bundle: Awaited<ReturnType<typeof buildKeyFragmentBundle>>['bundle']
  fetches: number
}

async function world(): Promise<World> {
  const blocks = memoryBlockAccess()
  const built = await buildKeyFragmentBundle({
    preMasterSeed: seed,
    author: patient.verifyingKey,
    grantee,
    receivingPublicKey: doctorKey.publicKey(),
    scopes: ['labs', 'allergies'],
    epochs: { labs: 0, allergies: 0 },
    proxies: proxyList,
    threshold: 2,
    salt: new Uint8Array(32),
    binding,
  })
  await blocks.put(built.bytes, 'dag-cbor')
  const w: World = {
    blocks,
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
    session: now - 10,
    sessionScopes: ['labs', 'allergies'],
    proxies: [],
    bundle: built.bundle,
    fetches: 0,
  }
  const oracle: GrantOracle = {
    grant: async (id) => (id === grantId ? { ...w.grant } : undefined),
    lastSession: async (_id, scope) => (w.sessionScopes.includes(scope) ? w.session : 0),
    granteeKey: async (address) => (address === grantee ? doctor.verifyingKey().toCompressedBytes() : undefined),
    sessionTtl: async () => 600,
  }
  w.proxies = proxyKeys.map((secretKey, i) =>
    createProxyService({
      oracle,
      proxy: { address: proxyAddresses[i]!, secretKey },
      fetchBundle: async (cid) => {
        w.fetches++
        return blocks.get(cid)
      },
      now: () => now,
    }),
  )
  return w
}

function source(service: ProxyService, id: string, signer = doctor): FragmentSource {
  return {
    id,
    async reencrypt(scope, epoch, capsules) {
      const request = signCapsuleRequest(signer, { grantId, scope, epoch, capsules, timestamp: now })
      return parsePreResponse(await service.handle(dagCbor.decode(dagCbor.encode(encodeCapsuleRequest(request)))), capsules.length)
    },
  }
}

async function labRecord(w: World, epoch = 0): Promise<CID> {
  const { cid } = await sealRecord(w.blocks, {
    resource: { resourceType: 'Observation', status: 'final', code: { text: 'Hb' } },
    scope: 'labs',
    epoch,
    scopePublicKey: scopeSecretKey(seed, 'labs', epoch).publicKey(),
    author: patient,
  })
  return cid
}

async function ask(w: World, change: (r: Record<string, unknown>) => void = () => {}, signer = doctor, scope: 'labs' | 'notes' = 'labs', epoch = 0) {
  const request = encodeCapsuleRequest(
    signCapsuleRequest(signer, { grantId, scope, epoch, capsules: [new Uint8Array(umbral.encrypt(doctorKey.publicKey(), new Uint8Array(1))[0].toBytes())], timestamp: now }),
  )
  change(request)
  return w.proxies[0]!.handle(request)
}

describe('re-encryption proxy service', () => {
  let w: World
  beforeEach(async () => {
    w = await world()
  })

  it('re-encrypts for the grantee, and the grantee opens a record through 2 of 3 proxies', async () => {
    const cid = await labRecord(w)
    const access = { bundle: w.bundle, receivingSecretKey: doctorKey, sources: w.proxies.map((p, i) => source(p, `p${i}`)) }
    const opened = await openSharedRecord(w.blocks, { cid, access })
    expect(opened.resource).toMatchObject({ resourceType: 'Observation', code: { text: 'Hb' } })
    // Each proxy fetched the bundle once at most, however many requests.
    await openSharedRecord(w.blocks, { cid, access })
    expect(w.fetches).toBeLessThanOrEqual(3)
  })

  it('refuses with the reason code for each broken condition', async () => {
    expect(await ask(w)).toMatchObject({ ok: true })
    expect(await ask(w, () => {}, new umbral.Signer(umbral.SecretKey.random()))).toMatchObject({ ok: false, code: 'bad-signature' })
    expect(await ask(w, (r) => (r.grantId = '0x8'))).toMatchObject({ ok: false, code: 'unknown-grant' })
    expect(await ask(w, (r) => (r.v = 9))).toMatchObject({ ok: false, code: 'malformed' })
    expect(await ask(w, (r) => (r.capsules = Array(65).fill(new Uint8Array(98))))).toMatchObject({ ok: false, code: 'too-large' })
    expect(await ask(w, (r) => (r.capsules = [new Uint8Array(98).fill(1)]))).toMatchObject({ ok: false, code: 'bad-signature' })
    expect(await ask(w, () => {}, doctor, 'notes')).toMatchObject({ ok: false, code: 'scope-not-granted' })
    // Replay of one signed request: answered once.
    const request = encodeCapsuleRequest(signCapsuleRequest(doctor, { grantId, scope: 'labs', epoch: 0, capsules: [umbral.encrypt(doctorKey.publicKey(), new Uint8Array(1))[0].toBytes()], timestamp: now }))
    expect(await w.proxies[1]!.handle(request)).toMatchObject({ ok: true })
    expect(await w.proxies[1]!.handle(request)).toMatchObject({ ok: false, code: 'stale-request' })
    const old = encodeCapsuleRequest(signCapsuleRequest(doctor, { grantId, scope: 'labs', epoch: 0, capsules: [new Uint8Array(98)], timestamp: now - 121 }))
    expect(await w.proxies[1]!.handle(old)).toMatchObject({ ok: false, code: 'stale-request' })
    // Sessions are per scope: a session on allergies does not open labs.
    w.sessionScopes = ['allergies']
    expect(await ask(w)).toMatchObject({ ok: false, code: 'no-session' })
    w.sessionScopes = ['labs', 'allergies']
    // An epoch the bundle has no fragment for (a rotation the grant was not reissued for).
    expect(await ask(w, () => {}, doctor, 'labs', 1)).toMatchObject({ ok: false, code: 'no-fragment' })
    w.session = now - 601
    expect(await ask(w)).toMatchObject({ ok: false, code: 'no-session' })
    w.session = 0
    expect(await ask(w)).toMatchObject({ ok: false, code: 'no-session' })
    w.session = now
    w.grant.expiry = now
    expect(await ask(w)).toMatchObject({ ok: false, code: 'expired' })
    w.grant.revoked = true
    expect(await ask(w)).toMatchObject({ ok: false, code: 'revoked' })
  })

  it('refuses a bundle that is not bound to the grant on chain (another pseudonym, expiry, chain, contract, scopes or proxies)', async () => {
    expect(await ask(w)).toMatchObject({ ok: true })
    const honest = { ...w.grant }
    const changes: Partial<GrantState>[] = [
      { pseudonym: pseudonym + 1n },
      { expiry: now + 7200 },
      { chainId: 1 },
      { consent: '0xc0115e1700000000000000000000000000000002' },
      { scopesMask: scopesMask(['labs']) },
      { proxiesHash: honest.proxiesHash + 1n },
      { threshold: 1 },
    ]
    for (const change of changes) {
      w.grant = { ...honest, ...change }
      expect(await ask(w), JSON.stringify(change, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toMatchObject({ ok: false, code: 'not-bound' })
    }
  })

  it('refuses when the bundle is missing, foreign or lacks the scope', async () => {
    w.grant.bundleCid = 'bafyreigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
    const missing = await ask(w)
    expect(missing).toMatchObject({ ok: false, code: 'no-fragment' })
    const other = await buildKeyFragmentBundle({
      preMasterSeed: seed,
      author: patient.verifyingKey,
      grantee: '0x' + 'a'.repeat(40) as `0x${string}`,
      receivingPublicKey: doctorKey.publicKey(),
      scopes: ['labs'],
      epochs: { labs: 0 },
      proxies: proxyList,
      threshold: 2,
      salt: new Uint8Array(32),
      binding,
    })
    await w.blocks.put(other.bytes, 'dag-cbor')
    w.grant.bundleCid = other.cid.toString()
    expect(await ask(w)).toMatchObject({ ok: false, code: 'not-bound' })
    w.grant.bundleCid = ''
    expect(await ask(w)).toMatchObject({ ok: false, code: 'no-fragment' })
  })

  it('still opens with one lying proxy, and says why when too few are honest', async () => {
    const cid = await labRecord(w)
    const garbage: FragmentSource = { id: 'garbage', reencrypt: async (_s, _e, capsules) => capsules.map(() => new Uint8Array(381).fill(7)) }
    const otherCapsule: FragmentSource = {
      id: 'other-capsule',
      async reencrypt(scope, epoch, capsules) {
        // Honest fragments, but for a different capsule of the same scope.
        const decoy = umbral.encrypt(scopeSecretKey(seed, 'labs', 0).publicKey(), new Uint8Array(32))[0].toBytes()
        return source(w.proxies[0]!, 'x').reencrypt(scope, epoch, capsules.map(() => decoy))
      },
    }
    for (const liar of [garbage, otherCapsule]) {
      const access = { bundle: w.bundle, receivingSecretKey: doctorKey, sources: [liar, source(w.proxies[1]!, 'p1'), source(w.proxies[2]!, 'p2')] }
      expect((await openSharedRecord(w.blocks, { cid, access })).resource.resourceType).toBe('Observation')
    }
    const tooFew = { bundle: w.bundle, receivingSecretKey: doctorKey, sources: [garbage, otherCapsule, source(w.proxies[2]!, 'p2')] }
    await expect(openSharedRecord(w.blocks, { cid, access: tooFew })).rejects.toMatchObject({ name: 'SharedAccessError', code: 'not-enough-proxies' })
    w.grant.revoked = true
    const revoked = { bundle: w.bundle, receivingSecretKey: doctorKey, sources: w.proxies.map((p, i) => source(p, `p${i}`)) }
    await expect(openSharedRecord(w.blocks, { cid, access: revoked })).rejects.toMatchObject({ name: 'SharedAccessError', code: 'revoked' })
    // A record of a scope or epoch outside the grant is refused before any proxy is asked.
    const rotated = await labRecord(w, 1)
    await expect(openSharedRecord(w.blocks, { cid: rotated, access: revoked })).rejects.toMatchObject({ name: 'NotSharedError' })
    expect(new ProxyRefusedError('revoked', 'x').shortMessage).toMatch(/revoked/)
  })

  it('lists records through the newest patient-signed head, ignoring forged and replayed ones', async () => {
    const first = await labRecord(w)
    const second = await labRecord(w)
    const labs = scopeSecretKey(seed, 'labs', 0).publicKey()
    const v1 = await buildManifest(w.blocks, { scope: 'labs', epoch: 0, seq: 1, entries: [first], scopePublicKey: labs, author: patient })
    const v2 = await buildManifest(w.blocks, { scope: 'labs', epoch: 0, seq: 2, entries: [first, second], scopePublicKey: labs, author: patient })
    const mallory = recordSigner(new Uint8Array(32).fill(99))
    const forged = await buildManifest(w.blocks, { scope: 'labs', epoch: 0, seq: 9, entries: [], scopePublicKey: labs, author: mallory })
    const access = { bundle: w.bundle, receivingSecretKey: doctorKey, sources: w.proxies.map((p, i) => source(p, `p${i}`)) }
    const heads = { labs: [v1.head, forged.head, v2.head, { junk: true }] as unknown[] }
    const listing = await listSharedRecords(w.blocks, { access, fetchHeads: async (_a, scope) => (scope === 'labs' ? heads.labs : []) })
    const labsListing = listing.find((l) => l.scope === 'labs')!
    expect(labsListing.seq).toBe(2)
    expect(labsListing.entries.map(String)).toEqual([first, second].map(String))
    expect(listing.find((l) => l.scope === 'allergies')).toEqual({ scope: 'allergies', entries: [] })
    const replayed = await listSharedRecords(w.blocks, { access, fetchHeads: async () => [v1.head], minSeq: { labs: 2 } })
    expect(replayed.find((l) => l.scope === 'labs')).toEqual({ scope: 'labs', entries: [] })
  })
})
