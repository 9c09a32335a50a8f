// Attack: filling a doctor's inbox with consents no patient gave. Anyone can dial a
// doctor's browser over /salus/deliver and send a message shaped like a consent: random
// proof words, a real proof for other terms (a later expiry, more scopes, another bundle),
// a real proof with someone else's pseudonym, or a real proof made for another doctor. If
// the inbox keeps them, the doctor sees "New consent from <any name the sender chose>" and
// may pay gas to record it, or trust the label. The inbox must verify the Groth16 proof
// against public/zk/consent.vkey.json for the delivered grant (grantParamsHash recomputed
// for this chain and Consent contract, this doctor as grantee, the delivered pseudonym)
// before it keeps anything, and refuse the rest with a reason. Real libp2p nodes (a care
// node as relay, the doctor's and the attacker's nodes), real proofs from the circuit.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import type { VerificationKey } from 'snarkjs'
import { numberToHex, type Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { createBrowserNode, type SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { deliverMessage } from '../../src/p2p/deliverMessage.ts'
import type { ConsentDelivery } from '../../src/p2p/deliverProtocol.ts'
import { serveDeliverProtocol } from '../../src/p2p/serveDeliverProtocol.ts'
import { receiveConsent, type IncomingConsent } from '../../src/ui/state/consent/consentInbox.ts'
import { prepareGrant, randomCid, type PreparedGrant } from '../support/consentChain.ts'

const root = path.resolve(import.meta.dirname, '../..')
const doctorAccount: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const otherDoctor: Address = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
const consent: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const chainId = 31337
const proxies: Address[] = ['0x' + 'a1'.repeat(20), '0x' + 'b2'.repeat(20)] as Address[]
const vkey = JSON.parse(readFileSync(path.join(root, 'public/zk/consent.vkey.json'), 'utf8')) as VerificationKey

let care: CareNode
let doctor: SalusNode
let attacker: SalusNode
let doctorAddress: ReturnType<typeof multiaddr>
/** The doctor's inbox as the app keeps it, fed by the app's inbox code path. */
let inbox: IncomingConsent[] = []
let genuine: PreparedGrant
let forOther: PreparedGrant

function node(account: string, fill: number, relays: string[]): Promise<SalusNode> {
  return createBrowserNode({ account, peerKeySeed: new Uint8Array(32).fill(fill), relays, blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
}

function deliveryOf(prepared: PreparedGrant, label: string): ConsentDelivery {
  const { params } = prepared
  return {
    v: 1,
    kind: 'consent',
    grant: {
      grantee: params.grantee,
      scopesMask: params.scopesMask,
      expiry: Number(params.expiry),
      proxiesHash: numberToHex(params.proxiesHash),
      threshold: params.threshold,
      bundleCid: params.bundleCid.toString(),
    },
    pseudonym: numberToHex(prepared.pseudonym),
    proof: prepared.proof.map((word) => numberToHex(word)),
    patient: { peerId: attacker.libp2p.peerId.toString(), addrs: [] },
    label,
  }
}

/**
 * The attacker sends as the patient's app does, trying again when the relayed connection
 * is being replaced (the browser nodes sometimes swap it under load, and a dial then
 * fails as 'unreachable'); the doctor's answer is what counts.
 */
async function deliver(delivery: ConsentDelivery): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deliverMessage(attacker, { peer: doctorAddress, delivery })
    } catch (error) {
      const code = (error as { code?: string }).code
      if (attempt >= 3 || (code !== 'unreachable' && code !== 'timeout')) throw error
    }
  }
}

beforeAll(async () => {
  care = await startCareNode({ port: 0 })
  const relays = [care.multiaddrs[0]!]
  doctor = await node(doctorAccount, 7, relays)
  attacker = await node('0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 8, relays)
  await serveDeliverProtocol(doctor, {
    onDelivery: async (delivery, { from }) => {
      const next = await receiveConsent(inbox, delivery, from, { account: doctorAccount, chainId, consent, vkey: async () => vkey })
      if (next) inbox = next
    },
  })
  doctorAddress = multiaddr(`${care.multiaddrs[0]}/p2p-circuit/p2p/${doctor.libp2p.peerId}`)
  const terms = { consent, chainId, identitySecret: 0x5ec2e7n, scopesMask: 0b11, expiry: BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400), proxies, threshold: 2 }
  genuine = await prepareGrant({ ...terms, grantee: doctorAccount })
  forOther = await prepareGrant({ ...terms, grantee: otherDoctor })
}, 120_000)

afterAll(async () => {
  await Promise.allSettled([doctor?.stop(), attacker?.stop()])
  await care?.stop()
  // snarkjs keeps the BN254 curve (and its threads) for the next verification.
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128?.terminate()
})

describe('a consent whose proof does not fit what was delivered', () => {
  it('is refused with a reason and not kept, whatever was changed', async () => {
    const base = deliveryOf(genuine, 'Alice')
    const forged: Array<[string, ConsentDelivery]> = [
      ['random proof words', { ...base, proof: base.proof.map((_, i) => numberToHex(BigInt(i + 1) * 0x1234567n)) }],
      ['a later expiry than proven', { ...base, grant: { ...base.grant, expiry: base.grant.expiry + 365 * 86_400 } }],
      ['more scopes than proven', { ...base, grant: { ...base.grant, scopesMask: 0b111111 } }],
      ['another key bundle', { ...base, grant: { ...base.grant, bundleCid: (await randomCid()).toString() } }],
      ['another pseudonym', { ...base, pseudonym: numberToHex(genuine.pseudonym + 1n) }],
      ['a proof made for another doctor, readdressed to this one', { ...deliveryOf(forOther, 'Alice'), grant: { ...deliveryOf(forOther, 'Alice').grant, grantee: doctorAccount } }],
    ]
    for (const [what, delivery] of forged) {
      const refused = await deliver(delivery).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(refused, what).toMatchObject({ name: 'DeliverError', code: 'refused' })
      expect((refused as Error).message, what).toMatch(/proof/i)
    }
    expect(inbox).toEqual([])
  }, 120_000)

  it('while the genuine consent is kept', async () => {
    await deliver(deliveryOf(genuine, 'Alice'))
    expect(inbox.map((item) => item.delivery.grant.bundleCid)).toEqual([genuine.params.bundleCid.toString()])
  })
})
