// Issue 3's privacy claims, checked on the bytes a chain observer sees: the
// transactions' from/to/input and the logs of each grant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getAbiItem, toEventSelector } from 'viem'
import { getTransaction, getTransactionReceipt } from 'viem/actions'
import { Consent } from '../../src/chain/generated/Consent.ts'
import { submitGrant } from '../../src/chain/consent/submitGrant.ts'
import { identityCommitment } from '../../src/zk/identity.ts'
import { anvilAccount, deploySalus } from '../../src/chain/deploy/deploySalus.ts'
import { clientsFor, identitySecretOf, prepareGrant } from '../support/consentChain.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'

type Observed = { from: string; to: string; words: Set<string>; text: string }

let anvil: Anvil
const alice = anvilAccount(8)
const bob = anvilAccount(9)
const doctorA = anvilAccount(2)
const doctorB = anvilAccount(3)
const proxies = [anvilAccount(5).account.address, anvilAccount(6).account.address, anvilAccount(7).account.address]
const observed: Record<'aliceToA' | 'aliceToB' | 'bobToB', Observed> = {} as never

/** 32-byte words of the calldata (after the selector) and of every log's topics and data. */
function wordsOf(input: string, logs: { topics: readonly string[]; data: string }[]): Set<string> {
  const words = new Set<string>()
  const split = (hex: string) => {
    for (let i = 0; i + 64 <= hex.length; i += 64) words.add(hex.slice(i, i + 64).toLowerCase())
  }
  split(input.slice(10))
  for (const log of logs) {
    for (const topic of log.topics) split(topic.slice(2))
    split(log.data.slice(2))
  }
  return words
}

async function observeGrant(patientKey: `0x${string}`, doctorKey: `0x${string}`, consent: `0x${string}`): Promise<Observed> {
  const doctor = clientsFor(anvil.rpcUrl, doctorKey)
  // Same public choices for every grant: the only differences must be unlinkable ones.
  const prepared = await prepareGrant({
    consent,
    identitySecret: await identitySecretOf(patientKey),
    grantee: doctor.account.address,
    scopesMask: 0b1011,
    expiry: 2_000_000_000n,
    proxies,
    threshold: 2,
  })
  const { txHash } = await submitGrant(doctor.walletClient, { consent, ...prepared })
  const tx = await getTransaction(doctor.publicClient, { hash: txHash })
  const receipt = await getTransactionReceipt(doctor.publicClient, { hash: txHash })
  const text = [tx.from, tx.to, tx.input, ...receipt.logs.flatMap((log) => [log.address, ...log.topics, log.data])].join(' ').toLowerCase()
  return { from: tx.from, to: tx.to!, words: wordsOf(tx.input, receipt.logs), text }
}

beforeAll(async () => {
  anvil = await startAnvil()
  const config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
  const consent = config.contracts.Consent!.address
  observed.aliceToA = await observeGrant(alice.privateKey, doctorA.privateKey, consent)
  observed.aliceToB = await observeGrant(alice.privateKey, doctorB.privateKey, consent)
  observed.bobToB = await observeGrant(bob.privateKey, doctorB.privateKey, consent)
})

afterAll(() => anvil?.stop())

describe('privacy of grants on chain', () => {
  it('the doctor sends the grant: the patient’s wallet is not its sender', () => {
    expect(observed.aliceToA.from.toLowerCase()).toBe(doctorA.account.address.toLowerCase())
    expect(observed.aliceToB.from.toLowerCase()).toBe(doctorB.account.address.toLowerCase())
  })

  it('the patient’s wallet address appears in no transaction field or log of their grants', () => {
    const address = alice.account.address.slice(2).toLowerCase()
    for (const grant of [observed.aliceToA, observed.aliceToB]) expect(grant.text).not.toContain(address)
  })

  it('the patient’s identity commitment (what insurers see) appears in neither grant', async () => {
    const commitment = (await identityCommitment(await identitySecretOf(alice.privateKey))).toString(16).padStart(64, '0')
    for (const grant of [observed.aliceToA, observed.aliceToB]) expect(grant.words.has(commitment)).toBe(false)
  })

  it('two grants of one patient share no word that a grant by another patient does not share too', () => {
    const { aliceToA, aliceToB, bobToB } = observed
    const shared = [...aliceToA.words].filter((word) => aliceToB.words.has(word))
    // Constants (ABI offsets, lengths, scopes, expiry, threshold, event signature) are
    // shared with any patient's grant making the same choices; nothing else may be.
    const linking = shared.filter((word) => !bobToB.words.has(word))
    expect(linking).toEqual([])
    // And the test can fail: the grants do differ in pseudonym, proxies commitment and bundle.
    expect(aliceToA.words.size - shared.length).toBeGreaterThanOrEqual(3 + 8)
  })

  it('the shared words are only small constants and the event signature', () => {
    const { aliceToA, aliceToB } = observed
    const shared = [...aliceToA.words].filter((word) => aliceToB.words.has(word))
    const large = shared.filter((word) => BigInt(`0x${word}`) >= 1n << 40n)
    expect(large).toEqual([toEventSelector(getAbiItem({ abi: Consent.abi, name: 'GrantCreated' })).slice(2)])
  })
})
