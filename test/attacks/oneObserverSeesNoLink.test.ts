// Attack: a chain observer reads every transaction and log. One patient gives two
// doctors access to their allergies, revokes the first (the flow rotates the scope and
// reissues the second doctor's grant), anchors a batch of records and books two covered
// visits. The observer looks for anything that ties these actions to each other or to
// the patient: a 32-byte word two of them share, a common sender, gas payer or funder
// of the sender, the patient's account, address, identity commitment or a fixed key of
// theirs. A second patient doing exactly the same tells constants (ABI offsets, event
// signatures, the plan id, the member root, the faucet that funds every one-off sender)
// apart from links: only what the second patient's same actions share too may be shared.
import { toHex, type Address, type Hash, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getBlock, getContractEvents, getTransaction, getTransactionCount, getTransactionReceipt } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { Consent } from '../../src/chain/generated/Consent.ts'
import { receivingSecretKey } from '../../src/crypto/umbral.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'
import { openAnchorer } from '../../src/flows/anchoring/openAnchorer.ts'
import { createAccountClients } from '../../src/chain/accountClients.ts'
import { identityCommitment } from '../../src/zk/identity.ts'
import { bookCoveredVisit, coveredPlan, credentialOf, bookingContextFor, slotsInOnePeriod } from './support/coveredBooking.ts'
import { doctorReceivingKey, keysOf, startConsentStack, type ConsentStack } from './support/consentStack.ts'
import { patientGrants } from './support/patientSide.ts'

const actionNames = ['grantA', 'grantB', 'revokeA', 'reissueB', 'anchor', 'booking1', 'booking2'] as const
type ActionName = (typeof actionNames)[number]
type Observed = { txHashes: Hash[]; senders: Set<string>; funders: Set<string>; words: Set<string>; text: string }
type PatientActions = Record<ActionName, Observed>

/** The same grant's own events: a revocation names the grant it ends, a reissue the grant it renews. */
const sameGrant = new Set(['grantA|revokeA', 'grantB|reissueB'])

const alice = anvilAccount(8)
const bob = anvilAccount(9)
const doctorA = anvilAccount(2)
const doctorB = anvilAccount(3)
let stack: ConsentStack
let faucet: string
const observed: { alice: PatientActions; bob: PatientActions } = {} as never

/** 32-byte words of each calldata (after the selector) and of every log's topics and data. */
function split(hex: string, into: Set<string>): void {
  for (let i = 0; i + 64 <= hex.length; i += 64) into.add(hex.slice(i, i + 64).toLowerCase())
}

/** Every account that sent ETH to `address` (the funder of a one-off sender); empty for the genesis accounts. */
async function fundersOf(address: string): Promise<Set<string>> {
  const funders = new Set<string>()
  const latest = (await getBlock(stack.clients(alice.privateKey).publicClient)).number
  for (let n = 0n; n <= latest; n++) {
    const block = await getBlock(stack.clients(alice.privateKey).publicClient, { blockNumber: n, includeTransactions: true })
    for (const tx of block.transactions) if (tx.to?.toLowerCase() === address && tx.value > 0n) funders.add(tx.from.toLowerCase())
  }
  return funders
}

async function observe(txHashes: Hash[]): Promise<Observed> {
  const client = stack.clients(alice.privateKey).publicClient
  const result: Observed = { txHashes, senders: new Set(), funders: new Set(), words: new Set(), text: '' }
  const parts: string[] = []
  for (const hash of txHashes) {
    const tx = await getTransaction(client, { hash })
    const receipt = await getTransactionReceipt(client, { hash })
    result.senders.add(tx.from.toLowerCase())
    split(tx.input.slice(10), result.words)
    for (const log of receipt.logs) {
      for (const topic of log.topics) split(topic.slice(2), result.words)
      split(log.data.slice(2), result.words)
    }
    parts.push(tx.from, tx.to ?? '', tx.input, ...receipt.logs.flatMap((log) => [log.address, ...log.topics, log.data]))
  }
  for (const sender of result.senders) for (const funder of await fundersOf(sender)) result.funders.add(funder)
  result.text = parts.join(' ').toLowerCase()
  return result
}

const allergy = (text: string) => ({
  resourceType: 'AllergyIntolerance' as const,
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  code: { text },
  patient: { reference: 'Patient/p' },
})

async function actAs(privateKey: Hex, fill: number, planId: bigint, slots: bigint[]): Promise<PatientActions> {
  const anchorer = await openAnchorer(createAccountClients(stack.config, { kind: 'local', privateKey }))
  const patient = await patientGrants(stack, privateKey, fill, { anchorer })
  const vault = patient.vault
  await vault.addRecord({ resource: allergy('Penicillin'), source: 'form' })
  const a = await patient.grant({ grantee: doctorA.account.address, receivingKey: (await doctorReceivingKey(doctorA.privateKey)).publicKey(), scopes: ['allergies'], days: 30 })
  const b = await patient.grant({ grantee: doctorB.account.address, receivingKey: (await doctorReceivingKey(doctorB.privateKey)).publicKey(), scopes: ['allergies'], days: 60 })
  const client = stack.clients(privateKey).publicClient
  const txOfGrant = async (grantId: bigint) =>
    (await getContractEvents(client, { address: stack.consent, abi: Consent.abi, eventName: 'GrantCreated', args: { grantId }, fromBlock: stack.fromBlock }))[0]!.transactionHash
  const revoked = await patient.revoke(a.grantId)
  expect(revoked.reissued).toEqual([b.grantId])
  const reissues = await getContractEvents(client, { address: stack.consent, abi: Consent.abi, eventName: 'GrantReissued', args: { grantId: b.grantId }, fromBlock: stack.fromBlock })
  expect(reissues).toHaveLength(1)
  await patient.addRecord('Latex')
  const anchored = await vault.anchorPending()
  const context = bookingContextFor(stack.config)
  const keys = await keysOf(privateKey)
  const credential = await credentialOf(context, keys.identitySecret, planId)
  const bookings: Hash[] = []
  for (const slotId of slots) bookings.push((await bookCoveredVisit(context, { identitySecret: keys.identitySecret, credential, slotId })).txHash)
  const hashes: Record<ActionName, Hash[]> = {
    grantA: [await txOfGrant(a.grantId)],
    grantB: [await txOfGrant(b.grantId)],
    revokeA: [revoked.txHash],
    reissueB: [reissues[0]!.transactionHash],
    anchor: [anchored!.txHash],
    booking1: [bookings[0]!],
    booking2: [bookings[1]!],
  }
  const result = {} as PatientActions
  for (const name of actionNames) result[name] = await observe(hashes[name])
  return result
}

/** Counters, counts, offsets and lengths: grant 1, slot 1 and batch 1 coincide by order, not by patient. */
const small = (word: string) => BigInt(`0x${word}`) < 1n << 16n

const pairs = actionNames.flatMap((x, i) => actionNames.slice(i + 1).map((y) => [x, y] as const))
const shared = (x: Set<string>, y: Set<string>) => [...x].filter((value) => y.has(value))

beforeAll(async () => {
  stack = await startConsentStack()
  faucet = stack.config.localAccounts!.find((account) => account.role === 'registrar')!.address.toLowerCase()
  const [aliceKeys, bobKeys] = await Promise.all([keysOf(alice.privateKey), keysOf(bob.privateKey)])
  const planId = await coveredPlan(stack.config, [aliceKeys.identitySecret, bobKeys.identitySecret], 2)
  const slots = await slotsInOnePeriod(stack.config, 4)
  observed.alice = await actAs(alice.privateKey, 1, planId, slots.slice(0, 2))
  observed.bob = await actAs(bob.privateKey, 2, planId, slots.slice(2))
}, 600_000)

afterAll(async () => {
  await stack?.stop()
})

describe('one chain observer, one patient’s grants, revocation, anchor and covered bookings', () => {
  it('no two of the actions share a 32-byte word that the other patient’s same two actions do not share too', () => {
    const linking: Record<string, string[]> = {}
    for (const [x, y] of pairs) {
      if (sameGrant.has(`${x}|${y}`)) continue
      const words = shared(observed.alice[x].words, observed.alice[y].words).filter((word) => !small(word) && !(observed.bob[x].words.has(word) && observed.bob[y].words.has(word)))
      if (words.length) linking[`${x}|${y}`] = words
    }
    expect(linking).toEqual({})
  })

  it('no two of the actions share a sender (the gas payer) or a funder of their sender, but the faucet every patient shares', () => {
    const linking: Record<string, string[]> = {}
    for (const [x, y] of pairs) {
      const a = observed.alice
      const b = observed.bob
      const senders = shared(a[x].senders, a[y].senders).filter((s) => !(b[x].senders.has(s) && b[y].senders.has(s)))
      const funders = shared(a[x].funders, a[y].funders).filter((f) => !(b[x].funders.has(f) && b[y].funders.has(f)))
      if (senders.length || funders.length) linking[`${x}|${y}`] = [...senders.map((s) => `sender ${s}`), ...funders.map((f) => `funder ${f}`)]
    }
    expect(linking).toEqual({})
    // The funder lookup is real: every one-off sender was funded by the faucet, and only by it.
    for (const name of ['revokeA', 'reissueB', 'anchor', 'booking1', 'booking2'] as const) expect([...observed.alice[name].funders]).toEqual([faucet])
  })

  it('none of them is sent or funded by the patient’s account, which sent no transaction at all', async () => {
    const address = alice.account.address.toLowerCase()
    for (const name of actionNames) {
      expect(observed.alice[name].senders.has(address)).toBe(false)
      expect(observed.alice[name].funders.has(address)).toBe(false)
    }
    expect(await getTransactionCount(stack.clients(alice.privateKey).publicClient, { address: alice.account.address })).toBe(0)
  })

  it('none of them contains the patient’s address, identity commitment or a fixed key of theirs', async () => {
    const keys = await keysOf(alice.privateKey)
    const fixed = {
      address: alice.account.address.slice(2).toLowerCase(),
      identityCommitment: toHex(await identityCommitment(keys.identitySecret), { size: 32 }).slice(2),
      receivingKey: toHex(receivingSecretKey(keys.preMasterSeed).publicKey().toCompressedBytes()).slice(2),
      allergiesKeyEpoch0: toHex(scopeSecretKey(keys.preMasterSeed, 'allergies', 0).publicKey().toCompressedBytes()).slice(2),
      allergiesKeyEpoch1: toHex(scopeSecretKey(keys.preMasterSeed, 'allergies', 1).publicKey().toCompressedBytes()).slice(2),
    }
    const found = actionNames.flatMap((name) => Object.entries(fixed).filter(([, value]) => observed.alice[name].text.includes(value)).map(([what]) => `${name}: ${what}`))
    expect(found).toEqual([])
  })

  it('the words two actions share beyond the other patient’s are small counters only (ids issued in order), never a value of 2^16 or more', () => {
    for (const [x, y] of pairs) {
      if (sameGrant.has(`${x}|${y}`)) continue
      const extra = shared(observed.alice[x].words, observed.alice[y].words).filter((word) => !(observed.bob[x].words.has(word) && observed.bob[y].words.has(word)))
      expect(extra.filter((word) => !small(word)), `${x} vs ${y}`).toEqual([])
    }
  })

  it('the test can fail: every two actions differ in random words (proofs, pseudonyms, nullifiers, roots)', () => {
    const random = (word: string) => BigInt(`0x${word}`) >= 1n << 160n
    for (const [x, y] of pairs) {
      for (const [one, other] of [[x, y], [y, x]] as const) {
        const only = [...observed.alice[one].words].filter((word) => random(word) && !observed.alice[other].words.has(word))
        // An anchor carries one random word (its root); a proof carries eight.
        expect(only.length, `${one} vs ${other}`).toBeGreaterThanOrEqual(one === 'anchor' ? 1 : 8)
      }
    }
    // And the two patients' same actions differ too: the comparison is not against copies.
    for (const name of actionNames) expect(shared(observed.alice[name].words, observed.bob[name].words).length).toBeLessThan(observed.alice[name].words.size)
  })
})

export type { Address }
