// Attack: a care node (or a doctor) that pinned or was shown a patient's records knows
// their envelope CIDs. It hashes each CID the way an unsalted anchor leaf is made
// (keccak256 of the CID bytes), builds every Merkle root those leaves can make, and
// looks for it among the anchored roots on chain; a match names the batch, and the
// batch's transaction names whoever sent it. The patient's promise: anchors point at
// nobody — leaves are salted with a per-record secret kept in the vault, and each batch
// goes out from a one-off account the local faucet funded, never the patient's wallet.
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import { keccak256, type Hex } from 'viem'
import { getTransaction } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount, deploySalus } from '../../src/chain/deploy/deploySalus.ts'
import { getAnchoredBatches } from '../../src/chain/getAnchoredBatches.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { anchorLeaf, merkleRoot } from '../../src/core/anchor/merkle.ts'
import { blockAccess } from '../../src/core/blocks.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { openAnchorer } from '../../src/flows/anchoring/openAnchorer.ts'
import { findOwnAnchors } from '../../src/flows/anchoring/findOwnAnchors.ts'
import { createAccountClients } from '../../src/chain/accountClients.ts'
import { clientsFor } from '../support/consentChain.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'
import { keysOf } from './support/consentStack.ts'

const patient = anvilAccount(8)
let anvil: Anvil
let config: NetworkConfig
let vault: Vault
/** What the care node saw: the envelope CIDs it pinned. */
let seenCids: CID[]
let vaultKey: Uint8Array

const allergy = (text: string) => ({
  resourceType: 'AllergyIntolerance' as const,
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  code: { text },
  patient: { reference: 'Patient/p' },
})

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items]
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]))
}

beforeAll(async () => {
  anvil = await startAnvil()
  config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
  // Senders derived from the vault key, as the app does (so a fresh browser can find that it anchored).
  const keys = await keysOf(patient.privateKey)
  vaultKey = keys.vaultKey
  const anchorer = await openAnchorer(createAccountClients(config, { kind: 'local', privateKey: patient.privateKey }), vaultKey)
  vault = await Vault.open({ keys, blocks: blockAccess({ blockstore: new MemoryBlockstore() }), index: memoryRecordIndex(), anchorer })
  for (const text of ['Penicillin', 'Peanuts', 'Latex']) {
    await vault.addRecord({ resource: allergy(text), source: 'form' })
  }
  // A one-record batch too: its root is its leaf, the easiest case for the attacker.
  await vault.anchorPending()
  await vault.addRecord({ resource: allergy('Bee stings'), source: 'form' })
  await vault.anchorPending()
  seenCids = vault.list().map((summary) => CID.parse(summary.cid))
}, 120_000)

afterAll(() => anvil?.stop())

describe('a care node that knows a patient’s envelope CIDs', () => {
  it('matches no leaf of the vault’s anchored batches', () => {
    const leaves = new Set(vault.list().map((summary) => summary.anchor!.leaf.toLowerCase()))
    expect(leaves.size).toBe(4)
    const guesses = seenCids.map((cid) => keccak256(cid.bytes).toLowerCase())
    expect(guesses.filter((guess) => leaves.has(guess))).toEqual([])
  })

  it('matches no anchored root on chain, whichever order or subset of the CIDs it tries', async () => {
    const { publicClient } = clientsFor(anvil.rpcUrl, patient.privateKey)
    const { batches } = await getAnchoredBatches(publicClient, { anchors: config.contracts.Anchors.address, fromBlock: BigInt(config.contracts.Anchors.deployBlock) })
    expect(batches.length).toBe(2)
    const roots = new Set(batches.map((batch) => batch.root.toLowerCase()))
    // The vault's own roots are the ones on chain: the comparison below is against the real batches.
    for (const summary of vault.list()) expect(roots.has(summary.anchor!.root.toLowerCase())).toBe(true)
    const leaves = seenCids.map((cid) => keccak256(cid.bytes))
    const candidates: Hex[] = []
    for (let mask = 1; mask < 1 << leaves.length; mask++) {
      const subset = leaves.filter((_, i) => mask & (1 << i))
      for (const order of permutations(subset)) candidates.push(merkleRoot(order))
    }
    expect(candidates.filter((root) => roots.has(root.toLowerCase()))).toEqual([])
  })

  it('the salt is what hides it: the same CIDs with the vault’s salts rebuild the root', () => {
    const [first] = vault.list()
    expect(first!.anchor!.salt).toMatch(/^0x[0-9a-f]{64}$/)
    expect(anchorLeaf(CID.parse(first!.cid), first!.anchor!.salt)).toBe(first!.anchor!.leaf)
  })

  it('no anchor transaction is sent or funded by the patient’s account, and two batches share no sender', async () => {
    const { publicClient } = clientsFor(anvil.rpcUrl, patient.privateKey)
    const txHashes = [...new Set(vault.list().map((summary) => summary.anchor!.txHash))]
    expect(txHashes.length).toBe(2)
    const senders: string[] = []
    for (const hash of txHashes) {
      const tx = await getTransaction(publicClient, { hash })
      senders.push(tx.from.toLowerCase())
      expect(tx.from.toLowerCase()).not.toBe(patient.account.address.toLowerCase())
      expect(tx.input.toLowerCase()).not.toContain(patient.account.address.slice(2).toLowerCase())
    }
    expect(new Set(senders).size).toBe(2)
    // The patient's account sent nothing at all: its nonce is still 0.
    expect(await publicClient.getTransactionCount({ address: patient.account.address })).toBe(0)
  })

  it('only the patient’s own keys find that the account anchored: another account’s keys find nothing', async () => {
    const clients = createAccountClients(config, { kind: 'local', privateKey: patient.privateKey })
    expect(await findOwnAnchors(clients, vaultKey)).toEqual({ batches: 1 })
    const bob = anvilAccount(9)
    expect(await findOwnAnchors(createAccountClients(config, { kind: 'local', privateKey: bob.privateKey }), (await keysOf(bob.privateKey)).vaultKey)).toEqual({ batches: 0 })
  })
})
