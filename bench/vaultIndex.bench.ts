// vaultIndex.list_search.10k.fake_indexeddb: load and decrypt a 10,000-record index from IndexedDB, then
// list() and three searches. In Node the IndexedDB is fake-indexeddb (in-memory, pure JS),
// so the store part is an approximation of a browser's; decryption and search are the same code.
import 'fake-indexeddb/auto'
import { concat, keccak256, type Hex } from 'viem'
import { deriveKeys } from '../src/core/keys/deriveKeys.ts'
import { verifyMerkleProof } from '../src/core/anchor/merkle.ts'
import { memoryBlockAccess } from '../src/core/blocks.ts'
import { scopes } from '../src/core/scopes.ts'
import { Vault } from '../src/core/vault/Vault.ts'
import type { IndexEntry } from '../src/core/vault/indexEntry.ts'
import { VaultIndex } from '../src/core/vault/vaultIndex.ts'
import { buildSearchText } from '../src/core/vault/searchText.ts'
import { idbRecordIndex } from '../src/store/idbRecordIndex.ts'
import { median, type Benchmark } from './support/benchmark.ts'

const records = 10_000
const words = ['asthma', 'glucose', 'penicillin', 'tetanus', 'ibuprofen', 'fracture', 'cholesterol', 'influenza', 'migraine', 'eczema']
const hash = (i: number): Hex => `0x${i.toString(16).padStart(64, '0')}`

// One batch of 10,000 leaves, as after a large import: real sorted-pair Merkle levels, so
// proofs share nodes exactly as they do in a vault (merkle.ts rebuilds levels per proof, too slow here).
function merkleLevels(leaves: Hex[]): Hex[][] {
  const levels = [leaves]
  while (levels.at(-1)!.length > 1) {
    const level = levels.at(-1)!
    const next: Hex[] = []
    for (let i = 0; i < level.length; i += 2) {
      const [a, b] = [level[i]!, level[i + 1]]
      next.push(b === undefined ? a : BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a])))
    }
    levels.push(next)
  }
  return levels
}
const levels = merkleLevels(Array.from({ length: records }, (_, i) => keccak256(concat([hash(i)]))))
function proofOf(index: number): Hex[] {
  const proof: Hex[] = []
  for (const level of levels.slice(0, -1)) {
    const sibling = level[index ^ 1]
    if (sibling !== undefined) proof.push(sibling)
    index >>= 1
  }
  return proof
}

function entry(i: number): IndexEntry {
  const scope = scopes[i % scopes.length]!
  const cid = `bafyreib${i.toString(36).padStart(50, '0')}`
  const title = `${words[i % words.length]} record ${i}`
  const date = new Date(Date.UTC(2000, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)
  return {
    v: 1,
    envelopeCid: cid,
    scope,
    epoch: 0,
    summary: {
      cid,
      scope,
      resourceType: 'Observation',
      title,
      date,
      created: '2025-01-01T00:00:00.000Z',
      source: 'import',
      anchor: { chainId: 31337, contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3', batchId: '1', root: levels.at(-1)![0]!, leaf: levels[0]![i]!, proof: proofOf(i), txHash: hash(2), blockNumber: '12', timestamp: 1_700_000_000 },
      searchText: buildSearchText([title, 'Observation', scope, date, 'Status final', `Value ${i % 300} mg/dL`, `Code ${words[(i * 7) % words.length]} test panel`]),
    },
  }
}

let rowBytes = 0

async function run(): Promise<number> {
  const keys = deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 27 : i)))
  const name = `salus:bench:${Math.random()}:vault`
  const setup = await idbRecordIndex(name)
  await (await VaultIndex.load(keys.vaultKey, setup)).put(Array.from({ length: records }, (_, i) => entry(i)))
  rowBytes = (await setup.loadAll()).reduce((n, row) => n + row.byteLength, 0)
  setup.close()

  const times: number[] = []
  for (let round = 0; round < 5; round++) {
    const index = await idbRecordIndex(name)
    const start = performance.now()
    const vault = await Vault.open({ keys, blocks: memoryBlockAccess(), index })
    const list = vault.list()
    const hits = [vault.search('glucose'), vault.search('penicillin record 99'), vault.search('mg/dl asthma 2001')]
    times.push(performance.now() - start)
    index.close()
    const sample = list[1234]!.anchor!
    if (!verifyMerkleProof(sample.leaf, sample.proof, sample.root)) throw new Error('bench index lost a Merkle proof')
    if (list.length !== records || hits[0]!.length < records / words.length || hits[1]!.length === 0) throw new Error('bench vault gave wrong results')
  }
  console.log(`  index: ${rowBytes} sealed bytes for ${records} records; rounds ${times.map((t) => t.toFixed(0)).join(', ')} ms`)
  return median(times)
}

const benchmarks: Benchmark[] = [
  {
    name: 'vaultIndex.list_search.10k.fake_indexeddb',
    about: 'open a 10,000-record vault index, list and three searches, in Node on fake-indexeddb (not a browser IndexedDB), median of 5',
    unit: 'ms',
    better: 'lower',
    target: 200,
    run,
  },
]

export default benchmarks
