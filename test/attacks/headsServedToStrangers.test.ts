// Attack: a stranger, or a doctor who holds a grant from another patient, or a doctor
// whose grant was revoked, asks a care node for a patient's manifest heads. A head says
// when the patient last added records to a scope and how many times (its sequence), and
// names the manifest. The author key that names a patient's heads is not secret forever:
// it signs every envelope, and anyone who saw an envelope block or a bundle knows it. If
// care nodes served heads to anyone who names the author and scope, all of these would
// follow the patient's activity. The test publishes real heads through the app's flow on
// real care nodes and asks for them as each attacker, over libp2p, with real signatures.
import * as umbral from '@nucypher/umbral-pre'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { fetchHead } from '../../src/p2p/requestHead.ts'
import { recordSigner } from '../../src/crypto/umbral.ts'
import { doctorReceivingKey, keysOf, startConsentStack, type ConsentStack } from './support/consentStack.ts'
import { patientGrants, type PatientSide } from './support/patientSide.ts'

describe('attack: manifest heads asked for by someone who is not a grantee of that scope', () => {
  let stack: ConsentStack
  let alice: PatientSide
  let bob: PatientSide
  let author: Uint8Array
  const doctorA = anvilAccount(2)
  const doctorB = anvilAccount(3)
  const doctorC = anvilAccount(4)
  let keyC: umbral.SecretKey
  let nodeC: SalusNode
  let keyA: umbral.SecretKey
  let keyB: umbral.SecretKey
  let nodeA: SalusNode
  let nodeB: SalusNode
  let stranger: SalusNode
  let aliceGrant: bigint
  let bobGrant: bigint

  beforeAll(async () => {
    stack = await startConsentStack()
    ;[keyA, keyB] = await Promise.all([doctorReceivingKey(doctorA.privateKey), doctorReceivingKey(doctorB.privateKey)])
    nodeA = await stack.node(doctorA.account.address, 5)
    nodeB = await stack.node(doctorB.account.address, 6)
    keyC = await doctorReceivingKey(doctorC.privateKey)
    nodeC = await stack.node(doctorC.account.address, 8)
    stranger = await stack.node(anvilAccount(7).account.address, 7)
    alice = await patientGrants(stack, anvilAccount(8).privateKey, 4)
    bob = await patientGrants(stack, anvilAccount(9).privateKey, 3)
    await alice.addRecord('Penicillin')
    await bob.addRecord('Latex')
    aliceGrant = (await alice.grant({ grantee: doctorA.account.address, receivingKey: keyA.publicKey(), scopes: ['allergies'], days: 1 })).grantId
    bobGrant = (await bob.grant({ grantee: doctorB.account.address, receivingKey: keyB.publicKey(), scopes: ['allergies'], days: 1 })).grantId
    author = recordSigner((await keysOf(anvilAccount(8).privateKey)).preMasterSeed).verifyingKey.toCompressedBytes()
  })

  afterAll(async () => {
    await stack?.stop()
  })

  const ask = (node: SalusNode, grantId: bigint, key: umbral.SecretKey) =>
    fetchHead(node, { peer: stack.cares[0]!.multiaddrs[0]!, author, scope: 'allergies', grantId, signer: new umbral.Signer(key) }).then(
      (head) => ({ served: head !== undefined }),
      // The care node's reason travels in the details: each case asserts it was refused for its own reason.
      (error: { code?: string; details?: string }) => ({ refused: error.code, reason: error.details ?? '' }),
    )

  it('the grantee of the scope is served (the refusals below are not for another reason)', async () => {
    // Proxies learn of a grant from the chain a moment after it is made.
    await expect.poll(() => ask(nodeA, aliceGrant, keyA), { timeout: 15_000, interval: 500 }).toEqual({ served: true })
  })

  it('a stranger naming the patient’s grant, with a key of their own, gets nothing', async () => {
    expect(await ask(stranger, aliceGrant, umbral.SecretKey.random())).toEqual({ refused: 'unauthorized', reason: expect.stringMatching(/not signed by the grantee/) })
  })

  it('a doctor with an active grant from another patient gets nothing of this patient', async () => {
    // Polled until the care node knows Bob's grant: only the author check may refuse it then.
    await expect
      .poll(() => ask(nodeB, bobGrant, keyB), { timeout: 15_000, interval: 500 })
      .toEqual({ refused: 'unauthorized', reason: expect.stringMatching(/does not cover records of that author/) })
  })

  it('a doctor of this patient with a grant of another scope gets nothing of this scope', async () => {
    const labsGrant = (await alice.grant({ grantee: doctorC.account.address, receivingKey: keyC.publicKey(), scopes: ['labs'], days: 1 })).grantId
    await expect
      .poll(() => ask(nodeC, labsGrant, keyC), { timeout: 15_000, interval: 500 })
      .toEqual({ refused: 'unauthorized', reason: expect.stringMatching(/allergies is not granted/) })
  })

  it('the doctor whose grant was revoked gets nothing', async () => {
    await alice.revoke(aliceGrant)
    expect(await ask(nodeA, aliceGrant, keyA)).toEqual({ refused: 'unauthorized', reason: expect.stringMatching(/revoked/) })
  })
})
