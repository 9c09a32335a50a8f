// Attack: getting a request for access in front of a patient as someone it is not. On the
// real stack (anvil with the Registry, care nodes keeping mailboxes), with the patient's
// real collection flow: an insurer (no DOCTOR role) signs a well-formed request; Mallory
// signs a request naming a certified doctor; a request is replayed byte for byte after the
// patient took it (a care node operator keeps copies); a validly signed request for another
// patient's code is re-sealed to Alice. Each must reach the patient as nothing, with the
// reason, and leave nothing behind in the mailbox.
import { hexToBytes, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { Registry } from '../../src/chain/generated/Registry.ts'
import { registryRoles } from '../../src/chain/registryRoles.ts'
import { accessRequestTypedData, buildAccessRequest, encodeAccessRequest, type AccessRequest } from '../../src/core/careLoop/accessRequest.ts'
import { requestMailbox } from '../../src/core/careLoop/requestMailboxKey.ts'
import { careLoopDomains, sealToAddress } from '../../src/core/careLoop/sealedPayload.ts'
import { collectAccessRequests } from '../../src/flows/careLoop/collectAccessRequests.ts'
import { takeFromMailbox } from '../../src/p2p/mailboxClient.ts'
import { requestMailboxKey } from '../../src/core/careLoop/requestMailboxKey.ts'
import { mailboxOn } from '../support/careLoopMailbox.ts'
import { keysOf, startConsentStack, type ConsentStack } from './support/consentStack.ts'

describe('attack: requests for access from a non-doctor, forged, replayed or redirected', () => {
  let stack: ConsentStack
  let careNodes: string[]
  let aliceSeed: Uint8Array
  let bobSeed: Uint8Array
  const seen = new Set<Hex>()
  const doctor = anvilAccount(2)
  const insurer = anvilAccount(7)

  beforeAll(async () => {
    stack = await startConsentStack()
    careNodes = stack.cares.map((care) => care.multiaddrs[0]!)
    aliceSeed = (await keysOf(anvilAccount(8).privateKey)).preMasterSeed
    bobSeed = (await keysOf(anvilAccount(9).privateKey)).preMasterSeed
  })

  afterAll(async () => {
    await stack?.stop()
  })

  const domain = () => ({ chainId: stack.chainId, registry: stack.registry })
  const request = (to: Uint8Array, account: `0x${string}`): AccessRequest =>
    buildAccessRequest({ to, doctor: account, scopes: ['conditions', 'medications'], reason: 'Routine review', durationDays: 365 })

  async function post(fill: number, to: Uint8Array, payload: Uint8Array) {
    const node = await stack.node(insurer.account.address, fill)
    await mailboxOn(node, careNodes).post({ to, payload, ttlSeconds: 3600 })
  }

  async function aliceCollects(fill: number) {
    const node = await stack.node(anvilAccount(8).account.address, fill)
    const result = await collectAccessRequests({
      preMasterSeed: aliceSeed,
      mailbox: mailboxOn(node, careNodes),
      publicClient: stack.clients(anvilAccount(8).privateKey).publicClient,
      domain: domain(),
      seen: (nonce) => seen.has(nonce),
      keep: ({ requests }) => requests.forEach((r) => seen.add(r.id)),
    })
    const key = requestMailboxKey(aliceSeed)
    const left = await takeFromMailbox(node, careNodes, { secretKey: key })
    key.free()
    return { ...result, left: left.length }
  }

  it('refuses a well-signed request from an account that is not a certified doctor', async () => {
    const alice = requestMailbox(aliceSeed).address
    const unsigned = request(alice, insurer.account.address)
    const signature = await insurer.account.signTypedData!(accessRequestTypedData(unsigned, domain()))
    await post(31, alice, sealToAddress(alice, careLoopDomains.accessRequest, encodeAccessRequest({ kind: 'access-request', request: unsigned, signature })))
    const { requests, refused, left } = await aliceCollects(32)
    expect(requests).toEqual([])
    expect(refused.map((error) => error.reason)).toEqual(['not-a-doctor'])
    expect(refused[0]!.shortMessage).toMatch(/not a certified doctor/)
    expect(left).toBe(0)
  })

  it('refuses a request from a doctor the medical council decertified (their entry is still in the Registry)', async () => {
    const alice = requestMailbox(aliceSeed).address
    const former = anvilAccount(4)
    const council = stack.clients(anvilAccount(1).privateKey)
    const hash = await council.walletClient.writeContract({ address: stack.registry, abi: Registry.abi, functionName: 'decertify', args: [registryRoles.doctor, former.account.address] })
    await council.publicClient.waitForTransactionReceipt({ hash })
    const unsigned = request(alice, former.account.address)
    const signature = await former.account.signTypedData!(accessRequestTypedData(unsigned, domain()))
    await post(41, alice, sealToAddress(alice, careLoopDomains.accessRequest, encodeAccessRequest({ kind: 'access-request', request: unsigned, signature })))
    const { requests, refused, left } = await aliceCollects(42)
    expect(requests).toEqual([])
    expect(refused.map((error) => error.reason)).toEqual(['not-a-doctor'])
    expect(left).toBe(0)
  })

  it('refuses a request naming a certified doctor but signed by someone else', async () => {
    const alice = requestMailbox(aliceSeed).address
    const mallory = privateKeyToAccount(generatePrivateKey())
    const unsigned = request(alice, doctor.account.address)
    const signature = await mallory.signTypedData(accessRequestTypedData(unsigned, domain()))
    await post(33, alice, sealToAddress(alice, careLoopDomains.accessRequest, encodeAccessRequest({ kind: 'access-request', request: unsigned, signature })))
    const { requests, refused, left } = await aliceCollects(34)
    expect(requests).toEqual([])
    expect(refused.map((error) => error.reason)).toEqual(['forged'])
    expect(left).toBe(0)
  })

  it('refuses a genuine request replayed after the patient took it, and one re-sealed from another patient’s code', async () => {
    const alice = requestMailbox(aliceSeed).address
    const genuine = request(alice, doctor.account.address)
    const signature = await doctor.account.signTypedData!(accessRequestTypedData(genuine, domain()))
    const payload = sealToAddress(alice, careLoopDomains.accessRequest, encodeAccessRequest({ kind: 'access-request', request: genuine, signature }))
    await post(35, alice, payload)
    const first = await aliceCollects(36)
    expect(first.requests.map((r) => r.id)).toEqual([genuine.nonce])

    // The same sealed bytes, posted again by whoever kept a copy.
    await post(37, alice, payload)
    const replay = await aliceCollects(38)
    expect(replay.requests).toEqual([])
    expect(replay.refused.map((error) => error.reason)).toEqual(['replayed'])

    // A doctor's genuine request to Bob, re-sealed to Alice by someone Bob showed it to.
    const bob = requestMailbox(bobSeed).address
    const toBob = request(bob, doctor.account.address)
    const bobSignature = await doctor.account.signTypedData!(accessRequestTypedData(toBob, domain()))
    await post(39, alice, sealToAddress(alice, careLoopDomains.accessRequest, encodeAccessRequest({ kind: 'access-request', request: toBob, signature: bobSignature })))
    const redirected = await aliceCollects(40)
    expect(redirected.requests).toEqual([])
    expect(redirected.refused.map((error) => error.reason)).toEqual(['misdirected'])
    expect(redirected.left).toBe(0)
    expect(hexToBytes(toBob.to)).toEqual(bob)
  })
}, 240_000)
