// Attack: a doctor whose grant was revoked colludes with every proxy of that grant.
// Together they hold all the key fragments the patient ever gave for the doctor, so
// they can re-encrypt any capsule sealed to the scope's key without asking the chain.
// If the patient's vault kept sealing new records to the same scope key, the revoked
// doctor would read everything added after the revocation. The test revokes through
// the app's flow (which rotates the scope to a new key epoch and reissues the other
// doctor's grant), adds a record, and has the attacker re-encrypt the new record's
// capsule with every old fragment: the data key must not come out. The other doctor,
// whose grant was reissued, still reads old and new records through honest proxies.
import * as umbral from '@nucypher/umbral-pre'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { blockAccess } from '../../src/core/blocks.ts'
import { logAccess } from '../../src/chain/consent/logAccess.ts'
import { openMyKeyFragments } from '../../src/core/consent/keyFragmentBundle.ts'
import { decodeEnvelope } from '../../src/core/envelope/envelope.ts'
import { openSharedRecord } from '../../src/core/share/openSharedRecord.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { networkBlockAccess } from '../../src/p2p/networkBlockAccess.ts'
import { proxyFragmentSource } from '../../src/p2p/proxyFragmentSource.ts'
import { scopesMask } from '../../src/zk/grantHash.ts'
import { doctorReceivingKey, startConsentStack, type ConsentStack } from './support/consentStack.ts'
import { patientGrants, type PatientSide } from './support/patientSide.ts'

describe('attack: a revoked doctor and colluding proxies read a record added after the revocation', () => {
  let stack: ConsentStack
  let patient: PatientSide
  const revokedDoctor = anvilAccount(2)
  const otherDoctor = anvilAccount(3)
  let revokedKey: umbral.SecretKey
  let otherKey: umbral.SecretKey
  let otherNode: SalusNode
  let revokedBundleBytes: Uint8Array
  let revokedGrant: bigint
  let otherGrant: bigint
  let before: import('multiformats/cid').CID
  let after: import('multiformats/cid').CID

  beforeAll(async () => {
    stack = await startConsentStack()
    revokedKey = await doctorReceivingKey(revokedDoctor.privateKey)
    otherKey = await doctorReceivingKey(otherDoctor.privateKey)
    otherNode = await stack.node(otherDoctor.account.address, 6)
    patient = await patientGrants(stack, anvilAccount(8).privateKey, 4)
    before = await patient.addRecord('Penicillin')
    const a = await patient.grant({ grantee: revokedDoctor.account.address, receivingKey: revokedKey.publicKey(), scopes: ['allergies'], days: 1 })
    const b = await patient.grant({ grantee: otherDoctor.account.address, receivingKey: otherKey.publicKey(), scopes: ['allergies'], days: 1 })
    revokedGrant = a.grantId
    otherGrant = b.grantId
    revokedBundleBytes = await read(a.bundleCid)
    const revoked = await patient.revoke(revokedGrant)
    expect(revoked).toMatchObject({ rotated: ['allergies'], reissued: [otherGrant], notReissued: [] })
    after = await patient.addRecord('Latex')
  })

  const read = (cid: import('multiformats/cid').CID) => blockAccess({ blockstore: patient.node.blockstore }).get(cid)

  afterAll(async () => {
    await stack?.stop()
  })

  it('the record added after the revocation is sealed in a new epoch', async () => {
    const envelope = decodeEnvelope(await read(after))
    expect(envelope.header.epoch).toBe(1)
    expect(decodeEnvelope(await read(before)).header.epoch).toBe(0)
  })

  it('every old fragment, re-encrypted by colluding proxies, does not open the new record', async () => {
    const envelope = decodeEnvelope(await read(after))
    // The proxies open the revoked grant's bundle with their own keys: all fragments it ever held.
    const opened = stack.proxies.map((proxy) => openMyKeyFragments(revokedBundleBytes, { proxyAddress: proxy.address, proxySecretKey: proxy.secretKey }))
    const fragments = opened.map((o) => o.fragments.get('allergies')!)
    const epochs = [...fragments[0]!.keys()]
    expect(epochs).toEqual([0])
    for (const epoch of epochs) {
      const capsule = umbral.Capsule.fromBytes(envelope.header.capsule)
      // A proxy's own re-encryption with a verified fragment: verified capsule fragments.
      const verified = fragments.map((byEpoch) => umbral.reencrypt(capsule, byEpoch.get(epoch)!.kfrag))
      const delegating = umbral.PublicKey.fromCompressedBytes(fragments[0]!.get(epoch)!.delegatingKey)
      expect(() => umbral.decryptReencrypted(revokedKey, delegating, capsule, verified, envelope.header.wrappedKey)).toThrow()
    }
    // The same attack on the record from before the revocation works: what was shared, was shared.
    const old = decodeEnvelope(await read(before))
    const capsule = umbral.Capsule.fromBytes(old.header.capsule)
    const delegating = umbral.PublicKey.fromCompressedBytes(fragments[0]!.get(0)!.delegatingKey)
    const verified = fragments.map((byEpoch) => umbral.reencrypt(capsule, byEpoch.get(0)!.kfrag))
    expect(umbral.decryptReencrypted(revokedKey, delegating, capsule, verified, old.header.wrappedKey)).toHaveLength(32)
  })

  it('the other doctor, reissued for the new epoch, still reads the old and the new record', async () => {
    await logAccess(stack.clients(otherDoctor.privateKey).walletClient, { consent: stack.consent, grantId: otherGrant, scopesMask: scopesMask(['allergies']) })
    // The reissued bundle is the grant's now; the doctor's app reads it from the chain.
    const { findPatientGrants } = await import('../../src/flows/consent/findPatientGrants.ts')
    const { openKeyFragmentBundle } = await import('../../src/core/consent/keyFragmentBundle.ts')
    const keys = await (await import('./support/consentStack.ts')).keysOf(anvilAccount(8).privateKey)
    const { grants } = await findPatientGrants(stack.clients(otherDoctor.privateKey).publicClient, { chainId: stack.chainId, consent: stack.consent, fromBlock: stack.fromBlock, identitySecret: keys.identitySecret })
    const current = grants.find((g) => g.grantId === otherGrant)!.bundle.cid!
    const blocks = networkBlockAccess(otherNode, { timeoutMs: 10_000 })
    const bundle = openKeyFragmentBundle(await blocks.get(current), otherKey)
    expect(bundle.scopes[0]!.epochs.map((e) => e.epoch)).toEqual([0, 1])
    const access = {
      bundle,
      receivingSecretKey: otherKey,
      sources: stack.cares.map((care) => proxyFragmentSource(otherNode, { proxy: care.multiaddrs[0]!, grantId: otherGrant, signer: new umbral.Signer(otherKey) })),
    }
    // Proxies learn of the reissue from the chain a moment later.
    await expect.poll(async () => (await openSharedRecord(blocks, { cid: after, access }).catch(() => undefined))?.resource, { timeout: 15_000, interval: 500 }).toMatchObject({ code: { text: 'Latex' } })
    expect((await openSharedRecord(blocks, { cid: before, access })).resource).toMatchObject({ code: { text: 'Penicillin' } })
  })
})
