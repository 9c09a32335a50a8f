// Attack: smuggle records of a scope the grant does not cover into a batch. A doctor granted
// allergies only asks a proxy, in ONE batch (/salus/pre/1.0.0 request v4, signed with the
// doctor's own registered key for their real grant, with a live access session), for the
// capsule of an allergy AND the capsule of a lab result the patient never shared with them
// (the lab's envelope is ciphertext anyone holding its CID can fetch). A proxy checking the
// scope once per request, or only for the first group, would re-encrypt the lab's key. The
// proxies here are real care nodes following the real Consent contract on anvil.
import * as umbral from '@nucypher/umbral-pre'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readGrantBundle } from '../../src/chain/consent/readGrantBundle.ts'
import { openKeyFragmentBundle } from '../../src/core/consent/keyFragmentBundle.ts'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { logAccess } from '../../src/chain/consent/logAccess.ts'
import { blockAccess } from '../../src/core/blocks.ts'
import { decodeEnvelope } from '../../src/core/envelope/envelope.ts'
import type { SalusKeys } from '../../src/core/keys/deriveKeys.ts'
import { receivingSecretKey } from '../../src/crypto/umbral.ts'
import { unwrapBatchThroughProxies } from '../../src/core/share/unwrapBatchThroughProxies.ts'
import { ProxyRefusedError } from '../../src/core/share/shareErrors.ts'
import { publishScopeManifests } from '../../src/flows/consent/publishScopeManifests.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { openProxyChannel } from '../../src/p2p/proxyChannel.ts'
import { keysOf, startConsentStack, type ConsentStack } from './support/consentStack.ts'
import { patientGrants, type PatientSide } from './support/patientSide.ts'
import { scopesMask } from '../../src/zk/grantHash.ts'

describe('attack: a lab capsule smuggled into a batch of a grant that covers allergies only', () => {
  let stack: ConsentStack
  let patient: PatientSide
  let doctorNode: SalusNode
  let doctorKeys: SalusKeys
  let grantId: bigint
  let allergy: { capsule: Uint8Array; wrappedKey: Uint8Array; epoch: number }
  let lab: { capsule: Uint8Array; wrappedKey: Uint8Array; epoch: number }
  const doctor = anvilAccount(4)

  beforeAll(async () => {
    stack = await startConsentStack()
    doctorKeys = await keysOf(doctor.privateKey)
    doctorNode = await stack.node(doctor.account.address, 9)
    patient = await patientGrants(stack, anvilAccount(8).privateKey, 8)
    const blocks = blockAccess({ blockstore: patient.node.blockstore })
    const allergyRecord = await patient.vault.addRecord({ resource: { resourceType: 'AllergyIntolerance', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] }, code: { text: 'Penicillin' }, patient: { reference: 'Patient/p' } }, source: 'form' })
    const labRecord = await patient.vault.addRecord({ resource: { resourceType: 'Observation', status: 'final', code: { text: 'HIV viral load' }, subject: { reference: 'Patient/p' } }, source: 'form' })
    await publishScopeManifests({ node: patient.node, blocks, preMasterSeed: patient.keys.preMasterSeed, records: patient.vault.list(), scopes: ['allergies', 'labs'], epochOf: (s) => patient.vault.currentEpoch(s), careNodes: stack.cares.map((c) => c.multiaddrs[0]!), required: 2 })
    const header = async (cid: string) => decodeEnvelope(await blocks.get(CID.parse(cid))).header
    allergy = await header(allergyRecord.cid)
    lab = await header(labRecord.cid)
    expect(lab.epoch).toBe(0)
    grantId = (await patient.grant({ grantee: doctor.account.address, receivingKey: receivingSecretKey(doctorKeys.preMasterSeed).publicKey(), scopes: ['allergies'], days: 1 })).grantId
    // The doctor logs a real access session, as the app does before opening.
    await logAccess(stack.clients(doctor.privateKey).walletClient, { consent: stack.consent, grantId, scopesMask: scopesMask(['allergies']) })
  })

  afterAll(async () => {
    await stack?.stop()
  })

  it('each proxy re-encrypts the allergy and refuses the lab in its place; the doctor unwraps the allergy key only', async () => {
    const secretKey = receivingSecretKey(doctorKeys.preMasterSeed)
    const signer = new umbral.Signer(secretKey)
    const channels = stack.cares.map((care) => openProxyChannel(doctorNode, { proxy: care.multiaddrs[0]!, grantId, signer }))
    try {
      // The proxies follow the chain a moment behind: ask until they know the grant.
      let answers: (Uint8Array | ProxyRefusedError)[][] = []
      await expect
        .poll(
          async () => {
            answers = await Promise.all(
              channels.map((channel) =>
                channel.reencryptBatch([
                  { scope: 'allergies', epoch: allergy.epoch, capsules: [allergy.capsule] },
                  { scope: 'labs', epoch: lab.epoch, capsules: [lab.capsule] },
                ]).catch((error: unknown) => [error as ProxyRefusedError, error as ProxyRefusedError]),
              ),
            )
            return answers.every((answer) => answer[0] instanceof Uint8Array)
          },
          { timeout: 30_000, interval: 1_000 },
        )
        .toBe(true)
      for (const answer of answers) {
        expect(answer[0]).toBeInstanceOf(Uint8Array)
        expect(answer[1]).toBeInstanceOf(ProxyRefusedError)
        expect((answer[1] as ProxyRefusedError).code).toBe('scope-not-granted')
      }
      // Through the grantee's batch path: the allergy key unwraps, the lab's fails (its scope is not in the bundle, nor served).
      const { bundleCid } = await readGrantBundle(stack.clients(doctor.privateKey).publicClient, { consent: stack.consent, fromBlock: stack.fromBlock, grantId, grantee: doctor.account.address })
      const bundleBytes = await blockAccess({ blockstore: patient.node.blockstore }).get(bundleCid)
      const bundle = openKeyFragmentBundle(bundleBytes, secretKey)
      const sources = channels.map((channel, i) => ({ id: `care${i}`, reencrypt: channel.reencrypt, reencryptBatch: channel.reencryptBatch }))
      // The lab is asked under the allergies' delegating key (the only one the doctor holds): the proxies still refuse its group.
      const keys = await unwrapBatchThroughProxies({
        items: [
          { scope: 'allergies', epoch: allergy.epoch, capsule: allergy.capsule, wrappedKey: allergy.wrappedKey },
          { scope: 'labs', epoch: lab.epoch, capsule: lab.capsule, wrappedKey: lab.wrappedKey },
        ],
        threshold: 2,
        verifyingKey: bundle.grantKey,
        delegatingKey: () => bundle.scopes.find((s) => s.scope === 'allergies')!.epochs[0]!.delegatingKey,
        receivingSecretKey: secretKey,
        sources,
        maxBatch: 1024,
      })
      expect(keys[0]).toBeInstanceOf(Uint8Array)
      expect(keys[0]).toHaveLength(32)
      expect(keys[1]).toMatchObject({ name: 'SharedAccessError', code: 'scope-not-granted' })
    } finally {
      await Promise.allSettled(channels.map((channel) => channel.close()))
      signer.free()
    }
  })
})
