import { describe, expect, it } from 'vitest'
import { IndexPages } from '../../src/core/vault/IndexPages.ts'
import { indexPageSize, openIndexPage, sealIndexPage } from '../../src/core/vault/indexPage.ts'
import type { IndexEntry } from '../../src/core/vault/indexEntry.ts'
import { VaultIndex } from '../../src/core/vault/vaultIndex.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'

const key = new Uint8Array(32).fill(3)
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const
const entry = (i: number, anchored = false): IndexEntry => ({
  v: 1,
  envelopeCid: `cid${i}`,
  scope: 'labs',
  epoch: 0,
  summary: {
    cid: `cid${i}`,
    scope: 'labs',
    resourceType: 'Observation',
    title: `Test ${i}`,
    created: '2025-01-01T00:00:00.000Z',
    source: 'form',
    searchText: `test ${i}`,
    ...(anchored
      ? { anchor: { chainId: 1, contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3', batchId: '4', root: hash(1), leaf: hash(i + 10), proof: [hash(2), hash(3)], txHash: hash(4), blockNumber: '9', timestamp: 5 } }
      : {}),
  },
})

describe('index pages', () => {
  it('fills the last page before opening a new one, and re-seals only touched pages', () => {
    const pages = new IndexPages()
    const first = pages.plan(Array.from({ length: indexPageSize + 3 }, (_, i) => `cid${i}`))
    expect(first.map((p) => [p.key, p.cids.length])).toEqual([['page:0', indexPageSize], ['page:1', 3]])
    pages.apply(first)
    expect(pages.plan(['new']).map((p) => [p.key, p.cids.length])).toEqual([['page:1', 4]])
    expect(pages.plan(['cid5']).map((p) => [p.key, p.cids.length])).toEqual([['page:0', indexPageSize]])
  })

  it('round-trips entries with anchors, binds the page key, and rejects another key', () => {
    const entries = [entry(1, true), entry(2), entry(3, true)]
    const row = sealIndexPage(key, 'page:7', entries)
    expect(openIndexPage(key, row.sealed)).toEqual({ key: 'page:7', entries })
    expect(() => openIndexPage(new Uint8Array(32), row.sealed)).toThrow(/could not be read/)
    const renamed = row.sealed.slice()
    renamed[7]! ^= 1 // inside the clear key: the aad no longer matches
    expect(() => openIndexPage(key, renamed)).toThrow(/could not be read/)
  })

  it('VaultIndex writes a failed batch nowhere and reloads what it wrote', async () => {
    const store = memoryRecordIndex()
    const index = await VaultIndex.load(key, store)
    await index.put(Array.from({ length: 300 }, (_, i) => entry(i)))
    expect(store.size).toBe(2)
    const failing = { ...store, putMany: () => Promise.reject(new Error('quota')), update: () => Promise.reject(new Error('quota')) }
    const broken = await VaultIndex.load(key, failing)
    await expect(broken.put([entry(999)])).rejects.toThrow('quota')
    expect(broken.entries.has('cid999')).toBe(false)
    await index.put([entry(5, true)])
    const again = await VaultIndex.load(key, store)
    expect(again.entries.size).toBe(300)
    expect(again.entries.get('cid5')).toEqual(entry(5, true))
  })
})
