// Attack: the patient's keys leaked and the patient rotates them. A grant made with the
// old keys stays on chain: if rotation leaves it active, the proxies keep re-encrypting
// for it, and the patient's app (which recognises grants by pseudonyms of the NEW
// identity) can no longer list it, let alone revoke it. The thief, or the doctor with
// every proxy colluding, also holds that grant's old key fragments. After a rotation
// with the grant moved to the new keys: (a) the old grant is revoked on chain and the
// proxies refuse it; (b) the doctor, accepting the new consent the patient's app sent,
// reads records sealed under the new keys; (c) the old fragments, re-encrypted by every
// proxy, open nothing sealed after the rotation. A second doctor, missing from the
// directory when the patient rotates, gets no new consent, but their old grant ends too.
import * as umbral from '@nucypher/umbral-pre'
import type { CID } from 'multiformats/cid'
import { CID as CIDClass } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { logAccess } from '../../src/chain/consent/logAccess.ts'
import { submitGrant } from '../../src/chain/consent/submitGrant.ts'
import { blockAccess } from '../../src/core/blocks.ts'
import { openKeyFragmentBundle, openMyKeyFragments, type KeyFragmentBundle } from '../../src/core/consent/keyFragmentBundle.ts'
import { decodeEnvelope } from '../../src/core/envelope/envelope.ts'
import type { SalusKeys } from '../../src/core/keys/deriveKeys.ts'
import { openSharedRecord } from '../../src/core/share/openSharedRecord.ts'
import { findPatientGrants } from '../../src/flows/consent/findPatientGrants.ts'
import type { MoveGrantsToNewKeysReturnType } from '../../src/flows/consent/moveGrantsToNewKeys.ts'
import type { PreparedConsent } from '../../src/flows/consent/prepareConsent.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { networkBlockAccess } from '../../src/p2p/networkBlockAccess.ts'
import { proxyFragmentSource } from '../../src/p2p/proxyFragmentSource.ts'
import { scopesMask } from '../../src/zk/grantHash.ts'
import { doctorReceivingKey, startConsentStack, type ConsentStack } from './support/consentStack.ts'
import { patientGrants, type PatientSide } from './support/patientSide.ts'

describe('attack: a grant made with leaked keys outlives the key rotation', () => {
  let stack: ConsentStack
  let patient: PatientSide
  const doctor = anvilAccount(2)
  const unlisted = anvilAccount(3)
  let unlistedGrant: bigint
  let doctorKey: umbral.SecretKey
  let doctorNode: SalusNode
  let oldGrant: bigint
  let oldBundle: KeyFragmentBundle
  let oldBundleBytes: Uint8Array
  let oldBundleCid: CID
  let oldKeys: SalusKeys
  let moved: MoveGrantsToNewKeysReturnType
  const delivered: PreparedConsent[] = []
  let before: CID
  let after: CID

  const access = (bundle: KeyFragmentBundle, grantId: bigint) => ({
    bundle,
    receivingSecretKey: doctorKey,
    sources: stack.cares.map((care) => proxyFragmentSource(doctorNode, { proxy: care.multiaddrs[0]!, grantId, signer: new umbral.Signer(doctorKey) })),
  })
  const doctorBlocks = () => networkBlockAccess(doctorNode, { timeoutMs: 10_000 })
  const patientBlock = (cid: CID) => blockAccess({ blockstore: patient.node.blockstore }).get(cid)

  beforeAll(async () => {
    stack = await startConsentStack()
    doctorKey = await doctorReceivingKey(doctor.privateKey)
    doctorNode = await stack.node(doctor.account.address, 6)
    patient = await patientGrants(stack, anvilAccount(8).privateKey, 4)
    before = await patient.addRecord('Penicillin')
    const granted = await patient.grant({ grantee: doctor.account.address, receivingKey: doctorKey.publicKey(), scopes: ['allergies'], days: 3 })
    oldGrant = granted.grantId
    oldBundle = granted.bundleFor(doctorKey)
    oldBundleCid = granted.bundleCid
    oldBundleBytes = await patientBlock(granted.bundleCid)
    await logAccess(stack.clients(doctor.privateKey).walletClient, { consent: stack.consent, grantId: oldGrant, scopesMask: scopesMask(['allergies']) })
    // Control: before the rotation the old grant opens the record through the proxies.
    const deadline = Date.now() + 15_000
    let control: unknown
    while (!control && Date.now() < deadline) {
      control = (await openSharedRecord(doctorBlocks(), { cid: before, access: access(oldBundle, oldGrant) }).catch(() => undefined))?.resource
      if (!control) await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(control).toMatchObject({ code: { text: 'Penicillin' } })

    const other = await patient.grant({ grantee: unlisted.account.address, receivingKey: (await doctorReceivingKey(unlisted.privateKey)).publicKey(), scopes: ['allergies'], days: 3 })
    unlistedGrant = other.grantId

    const rotated = await patient.rotate({ deliver: async ({ prepared }) => void delivered.push(prepared), unlisted: [unlisted.account.address] })
    oldKeys = rotated.oldKeys
    moved = rotated.moved
    after = await patient.addRecord('Latex')
  }, 240_000)

  afterAll(async () => {
    await stack?.stop()
  })

  it('moves the grant: one new consent delivered, every old grant revoked, the unlisted doctor reported', () => {
    expect(moved.notMoved.map((m) => [m.from, m.grantee, String(m.error)])).toEqual([[unlistedGrant, unlisted.account.address, expect.stringMatching(/not in the directory/)]])
    expect(moved.notRevoked).toEqual([])
    expect(moved.revoked.map((r) => r.grantId).sort()).toEqual([oldGrant, unlistedGrant].sort())
    expect(moved.moved.map((m) => [m.from, m.grantee, m.deliveryError])).toEqual([[oldGrant, doctor.account.address, undefined]])
    expect(delivered).toHaveLength(1)
    // Same doctor, scopes, expiry and threshold; a new bundle.
    expect(delivered[0]!.grant).toMatchObject({ grantee: doctor.account.address, scopesMask: scopesMask(['allergies']), threshold: 2 })
    expect(delivered[0]!.bundleCid.equals(oldBundleCid)).toBe(false)
  })

  it('(a) the old grant is revoked on chain and the proxies refuse it', async () => {
    const { grants } = await findPatientGrants(stack.clients(doctor.privateKey).publicClient, {
      chainId: stack.chainId,
      consent: stack.consent,
      fromBlock: stack.fromBlock,
      identitySecret: oldKeys.identitySecret,
    })
    expect(grants.find((g) => g.grantId === oldGrant)?.status).toBe('revoked')
    expect(grants.find((g) => g.grantId === unlistedGrant)?.status).toBe('revoked')
    // The record the old grant opened a moment ago: the proxies now refuse to re-encrypt it.
    await expect(openSharedRecord(doctorBlocks(), { cid: before, access: access(oldBundle, oldGrant) })).rejects.toMatchObject({ name: 'SharedAccessError', code: 'revoked' })
  })

  it('(b) the new grant, submitted by the doctor, opens records sealed under the new keys', async () => {
    const prepared = delivered[0]!
    const { grantId } = await submitGrant(stack.clients(doctor.privateKey).walletClient, {
      consent: stack.consent,
      params: { ...prepared.grant, expiry: BigInt(prepared.grant.expiry) },
      pseudonym: prepared.pseudonym,
      proof: [...prepared.proof],
    })
    expect(grantId).not.toBe(oldGrant)
    // The new identity recognises it; the old one does not (no value links the two grants).
    const lookup = (identitySecret: bigint) =>
      findPatientGrants(stack.clients(doctor.privateKey).publicClient, { chainId: stack.chainId, consent: stack.consent, fromBlock: stack.fromBlock, identitySecret })
    expect((await lookup(patient.keys.identitySecret)).grants.map((g) => [g.grantId, g.status])).toEqual([[grantId, 'active']])
    expect((await lookup(oldKeys.identitySecret)).grants.map((g) => g.grantId).sort()).toEqual([oldGrant, unlistedGrant].sort())

    await logAccess(stack.clients(doctor.privateKey).walletClient, { consent: stack.consent, grantId, scopesMask: scopesMask(['allergies']) })
    const bundle = openKeyFragmentBundle(await doctorBlocks().get(prepared.bundleCid), doctorKey)
    const resealed = CIDClass.parse(patient.vault.list().find((s) => s.title !== 'Latex')!.cid)
    expect(resealed.equals(before)).toBe(false)
    await expect.poll(async () => (await openSharedRecord(doctorBlocks(), { cid: after, access: access(bundle, grantId) }).catch(() => undefined))?.resource, { timeout: 15_000, interval: 500 }).toMatchObject({
      code: { text: 'Latex' },
    })
    expect((await openSharedRecord(doctorBlocks(), { cid: resealed, access: access(bundle, grantId) })).resource).toMatchObject({ code: { text: 'Penicillin' } })
  })

  it('(c) the old fragments, with every proxy colluding, open nothing sealed after the rotation', async () => {
    const opened = stack.proxies.map((proxy) => openMyKeyFragments(oldBundleBytes, { proxyAddress: proxy.address, proxySecretKey: proxy.secretKey }))
    const fragments = opened.map((o) => o.fragments.get('allergies')!)
    const sealedAfter = patient.vault.list().map((s) => CIDClass.parse(s.cid))
    expect(sealedAfter).toHaveLength(2)
    for (const cid of sealedAfter) {
      const envelope = decodeEnvelope(await patientBlock(cid))
      for (const epoch of fragments[0]!.keys()) {
        const capsule = umbral.Capsule.fromBytes(envelope.header.capsule)
        const verified = fragments.map((byEpoch) => umbral.reencrypt(capsule, byEpoch.get(epoch)!.kfrag))
        const delegating = umbral.PublicKey.fromCompressedBytes(fragments[0]!.get(epoch)!.delegatingKey)
        expect(() => umbral.decryptReencrypted(doctorKey, delegating, capsule, verified, envelope.header.wrappedKey)).toThrow()
      }
    }
    // Control: the same collusion opens the record sealed before the rotation (what was shared, was shared).
    const old = decodeEnvelope(await patientBlock(before))
    const capsule = umbral.Capsule.fromBytes(old.header.capsule)
    const delegating = umbral.PublicKey.fromCompressedBytes(fragments[0]!.get(0)!.delegatingKey)
    const verified = fragments.map((byEpoch) => umbral.reencrypt(capsule, byEpoch.get(0)!.kfrag))
    expect(umbral.decryptReencrypted(doctorKey, delegating, capsule, verified, old.header.wrappedKey)).toHaveLength(32)
  })
})
