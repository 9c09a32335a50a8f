// The care loop's request path without the UI, on the real stack: anvil with every
// contract, two care nodes keeping mailboxes, real consent proofs. A doctor asks a patient
// from her code; she collects the request (verified against the Registry), grants it with
// the consent flow while the doctor is offline, so the consent waits in the doctor's
// mailbox; the doctor comes back, collects it and records the grant on chain.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { VerificationKey } from 'snarkjs'
import { bytesToHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readGrant } from '../../src/chain/consent/readGrant.ts'
import { submitGrant } from '../../src/chain/consent/submitGrant.ts'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { requestCodeText } from '../../src/core/careLoop/requestCode.ts'
import { requestMailbox } from '../../src/core/careLoop/requestMailboxKey.ts'
import type { SalusKeys } from '../../src/core/keys/deriveKeys.ts'
import { answerAccessRequest } from '../../src/flows/careLoop/answerAccessRequest.ts'
import { collectAccessRequests } from '../../src/flows/careLoop/collectAccessRequests.ts'
import { collectAnswers } from '../../src/flows/careLoop/collectAnswers.ts'
import { collectDoctorMailbox } from '../../src/flows/careLoop/collectDoctorMailbox.ts'
import { receivingSecretKey } from '../../src/crypto/umbral.ts'
import { deliverConsent } from '../../src/flows/careLoop/deliverConsent.ts'
import { sendAccessRequest } from '../../src/flows/careLoop/sendAccessRequest.ts'
import { findPatientGrants, nextGrantIndex } from '../../src/flows/consent/findPatientGrants.ts'
import { prepareConsent } from '../../src/flows/consent/prepareConsent.ts'
import { blockAccess } from '../../src/core/blocks.ts'
import { consentDelivery } from '../../src/ui/state/consent/consentDelivery.ts'
import { receiveConsent } from '../../src/ui/state/consent/consentInbox.ts'
import { keysOf, startConsentStack, type ConsentStack } from '../attacks/support/consentStack.ts'
import { nodeProver, patientGrants, type PatientSide } from '../attacks/support/patientSide.ts'
import { mailboxOn } from '../support/careLoopMailbox.ts'

const vkeyPath = path.resolve(import.meta.dirname, '../../public/zk/consent.vkey.json')

describe('access request → grant → consent in an offline doctor’s mailbox → the doctor collects', () => {
  let stack: ConsentStack
  let patient: PatientSide
  let doctorKeys: SalusKeys
  let careNodes: string[]
  const doctor = anvilAccount(2)

  beforeAll(async () => {
    stack = await startConsentStack()
    careNodes = stack.cares.map((care) => care.multiaddrs[0]!)
    doctorKeys = await keysOf(doctor.privateKey)
    patient = await patientGrants(stack, anvilAccount(8).privateKey, 21)
    await patient.addRecord('Penicillin')
  })

  afterAll(async () => {
    await stack?.stop()
  })

  it('carries the request, the consent and the answer through the care nodes while each side is away', async () => {
    const domain = { chainId: stack.chainId, registry: stack.registry }
    const { publicClient, walletClient } = stack.clients(doctor.privateKey)

    // The doctor asks from Alice's code; Alice is offline (nothing of hers runs yet but the code).
    const doctorNode = await stack.node(doctor.account.address, 22)
    const code = requestCodeText(requestMailbox(patient.keys.preMasterSeed).address)
    const sent = await sendAccessRequest({
      patientCode: code,
      doctor: doctor.account.address,
      sign: (typedData) => walletClient.signTypedData(typedData),
      domain,
      scopes: ['allergies'],
      reason: 'Before your operation next week',
      durationDays: 14,
      mailbox: mailboxOn(doctorNode, careNodes),
    })
    // The doctor goes offline.
    const doctorAddresses = doctorNode.libp2p.getMultiaddrs().map((address) => address.toString())
    await doctorNode.stop()

    // Alice collects: one request, with the doctor's directory entry as the chain holds it now.
    const kept: string[] = []
    const collected = await collectAccessRequests({
      preMasterSeed: patient.keys.preMasterSeed,
      mailbox: mailboxOn(patient.node, careNodes),
      publicClient,
      domain,
      seen: () => false,
      keep: ({ requests }) => void kept.push(...requests.map((r) => r.id)),
    })
    expect(collected.refused).toEqual([])
    expect(collected.requests).toHaveLength(1)
    const [request] = collected.requests
    expect(kept).toEqual([sent.nonce])
    expect(request!.request).toMatchObject({ reason: 'Before your operation next week', scopes: ['allergies'], durationDays: 14, doctor: doctor.account.address })
    expect(request!.doctor).toMatchObject({ role: 'doctor', active: true, account: doctor.account.address })
    expect(request!.doctor.name.length).toBeGreaterThan(0)
    // Taken is taken: the care nodes deleted it once kept.
    expect((await collectAccessRequests({ preMasterSeed: patient.keys.preMasterSeed, mailbox: mailboxOn(patient.node, careNodes), publicClient, domain, seen: () => false })).requests).toEqual([])

    // Alice grants with the request's terms: the consent flow, then delivery, which falls back to the mailbox.
    const deployment = { chainId: stack.chainId, consent: stack.consent }
    const { grants } = await findPatientGrants(publicClient, { ...deployment, fromBlock: stack.fromBlock, identitySecret: patient.keys.identitySecret })
    const prepared = await prepareConsent({
      grantIndex: nextGrantIndex(grants, doctor.account.address),
      keys: patient.keys,
      vault: patient.vault,
      blocks: blockAccess({ blockstore: patient.node.blockstore }),
      node: patient.node,
      careNodes,
      deployment,
      doctor: { account: doctor.account.address, umbralPublicKey: request!.doctor.umbralPublicKey },
      scopes: request!.request.scopes,
      expiry: Math.floor(Date.now() / 1000) + request!.request.durationDays * 86_400,
      proxies: stack.proxies.map((p) => ({ account: p.address, umbralPublicKey: bytesToHex(p.secretKey.publicKey().toCompressedBytes()) })),
      threshold: 2,
      prove: nodeProver,
    })
    const delivery = consentDelivery({ ...prepared, node: patient.node, label: 'Alice' })
    const result = await deliverConsent({
      node: patient.node,
      doctor: { multiaddrs: doctorAddresses, umbralPublicKey: request!.doctor.umbralPublicKey },
      delivery,
      mailbox: mailboxOn(patient.node, careNodes),
      timeoutMs: 3_000,
    })
    expect(result.via).toBe('mailbox')
    await answerAccessRequest({ doctorMailbox: request!.doctor.umbralPublicKey, nonce: request!.id, outcome: 'granted', mailbox: mailboxOn(patient.node, careNodes) })

    // The doctor comes back (a new browser session): the consent and the answer are waiting.
    const back = await stack.node(doctor.account.address, 23)
    const vkey = JSON.parse(await readFile(vkeyPath, 'utf8')) as VerificationKey
    // The write-back answers' reader shares this mailbox: it must leave consents and request answers in place.
    const receivingKey = receivingSecretKey(doctorKeys.preMasterSeed)
    expect(await collectAnswers({ node: back, careNodes, receivingKey, contactOf: () => undefined, keep: async () => {} })).toEqual([])
    receivingKey.free()
    let inbox: Awaited<ReturnType<typeof receiveConsent>> = []
    const items = await collectDoctorMailbox({
      preMasterSeed: doctorKeys.preMasterSeed,
      mailbox: mailboxOn(back, careNodes),
      keep: async ({ consents }) => {
        for (const { delivery: incoming } of consents) {
          inbox = (await receiveConsent(inbox ?? [], incoming, 'mailbox', { account: doctor.account.address, chainId: stack.chainId, consent: stack.consent, vkey: async () => vkey })) ?? inbox
        }
      },
    })
    expect(items.consents).toHaveLength(1)
    expect(items.answers.map((a) => [a.answer.nonce, a.answer.outcome])).toEqual([[sent.nonce, 'granted']])
    expect(inbox).toHaveLength(1)
    // Collected once: nothing is left on the care nodes.
    expect((await collectDoctorMailbox({ preMasterSeed: doctorKeys.preMasterSeed, mailbox: mailboxOn(back, careNodes), keep: async () => {} })).consents).toEqual([])

    // The doctor records the consent on chain: the grant is active, with the requested scope.
    const { grant, pseudonym, proof } = inbox![0]!.delivery
    const { grantId } = await submitGrant(walletClient, {
      consent: stack.consent,
      params: { ...grant, expiry: BigInt(grant.expiry), proxiesHash: BigInt(grant.proxiesHash) },
      pseudonym: BigInt(pseudonym),
      proof: proof.map((word) => BigInt(word)),
    })
    const onChain = await readGrant(publicClient, { consent: stack.consent, grantId })
    expect(onChain.revoked).toBe(false)
    expect(onChain.grantee.toLowerCase()).toBe(doctor.account.address.toLowerCase())
  }, 240_000)
})
