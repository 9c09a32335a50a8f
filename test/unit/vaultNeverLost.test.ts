// Never lost: two tabs of one account writing the same IndexedDB index at once, an import
// that is cancelled or fails part-way, and a full storage quota. fake-indexeddb here; the
// same faults run in Chromium in test/e2e/vaultKeep.test.ts.
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { memoryBlockAccess, type BlockAccess } from '../../src/core/blocks.ts'
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import { buildCondition } from '../../src/core/fhir/recordForms.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import { StorageFullError } from '../../src/core/vault/vaultErrors.ts'
import { idbRecordIndex } from '../../src/store/idbRecordIndex.ts'
import type { RecordIndexStore } from '../../src/core/vault/types.ts'
import { recordFingerprint } from '../../src/flows/import/importPlan.ts'

const keys = deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 27 : (i * 5 + 3) & 255)))
const condition = (n: number) => buildCondition({ name: `Condition number ${n}`, onset: '2020-01-01' })
const planned = (n: number) => {
  const resource = condition(n)
  return { resource, fingerprint: recordFingerprint(resource) }
}

describe('two tabs of one account', () => {
  it('never lose a record when both add at once (one IndexedDB database, two connections)', async () => {
    const blocks = memoryBlockAccess()
    const name = `salus:test:two-tabs:${Math.random()}`
    const tabA = await Vault.open({ keys, blocks, index: await idbRecordIndex(name) })
    const tabB = await Vault.open({ keys, blocks, index: await idbRecordIndex(name) })
    // Interleaved adds: each tab plans against a page the other is writing too.
    const added = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => tabA.addRecord({ resource: condition(i), source: 'form' })),
      ...Array.from({ length: 12 }, (_, i) => tabB.addRecord({ resource: condition(100 + i), source: 'form' })),
      tabA.importRecords({ records: Array.from({ length: 300 }, (_, i) => planned(1000 + i)) }).then((s) => s[0]!),
    ])
    const reopened = await Vault.open({ keys, blocks, index: await idbRecordIndex(name) })
    const cids = new Set(reopened.list().map((s) => s.cid))
    for (const summary of added) expect(cids.has(summary.cid)).toBe(true)
    expect(reopened.list()).toHaveLength(12 + 12 + 300)
    // Each tab learned the other's records on the pages it wrote; reload brings in the rest.
    await tabB.reload()
    expect(tabB.list()).toHaveLength(324)
  })

  it('a tab hears of the other tab writing (BroadcastChannel), and reload shows the new record', async () => {
    const blocks = memoryBlockAccess()
    const name = `salus:test:watch:${Math.random()}`
    const storeA = await idbRecordIndex(name)
    const storeB = await idbRecordIndex(name)
    const tabA = await Vault.open({ keys, blocks, index: storeA })
    const tabB = await Vault.open({ keys, blocks, index: storeB })
    const heard = new Promise<void>((resolve) => storeB.watch!(resolve))
    const summary = await tabA.addRecord({ resource: condition(1), source: 'form' })
    await heard
    expect(tabB.list()).toHaveLength(0)
    expect(await tabB.reload()).toBe(true)
    expect(tabB.list().map((s) => s.cid)).toEqual([summary.cid])
    expect(await tabB.reload()).toBe(false)
    storeA.close()
    storeB.close()
  })
})

describe('an import commits atomically', () => {
  it('cancelled half-way: nothing is added, and a later import works', async () => {
    const index = memoryRecordIndex()
    const vault = await Vault.open({ keys, blocks: memoryBlockAccess(), index })
    await vault.addRecord({ resource: condition(0), source: 'form' })
    const before = await index.loadAll()
    const controller = new AbortController()
    const records = Array.from({ length: 40 }, (_, i) => planned(i + 1))
    const run = vault.importRecords({
      records,
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 20) controller.abort(new DOMException('cancelled', 'AbortError'))
      },
    })
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    expect(vault.list()).toHaveLength(1)
    expect(await index.loadAll()).toEqual(before)
    expect(await vault.importRecords({ records })).toHaveLength(40)
    expect(vault.list()).toHaveLength(41)
    expect(vault.list().filter((s) => s.fingerprint).map((s) => s.fingerprint).sort()).toEqual(records.map((r) => r.fingerprint).sort())
  })

  it('an index write that fails leaves the vault and store as they were (ImportFailedError)', async () => {
    const inner = memoryRecordIndex()
    const failing: RecordIndexStore = { ...inner, update: async () => Promise.reject(new Error('disk went away')) }
    const vault = await Vault.open({ keys, blocks: memoryBlockAccess(), index: failing })
    await expect(vault.importRecords({ records: [planned(1), planned(2)] })).rejects.toMatchObject({ name: 'ImportFailedError' })
    expect(vault.list()).toHaveLength(0)
    expect(inner.size).toBe(0)
  })
})

describe('a full storage quota', () => {
  const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError')

  it('refused index write: StorageFullError that says what to do, nothing lost', async () => {
    const inner = memoryRecordIndex()
    let full = false
    const index: RecordIndexStore = { ...inner, update: (change) => (full ? Promise.reject(quota()) : inner.update!(change)) }
    const vault = await Vault.open({ keys, blocks: memoryBlockAccess(), index })
    const kept = await vault.addRecord({ resource: condition(1), source: 'form' })
    full = true
    const error = await vault.addRecord({ resource: condition(2), source: 'form' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StorageFullError)
    expect((error as StorageFullError).shortMessage).toMatch(/full.*backup/is)
    await expect(vault.importRecords({ records: [planned(3)] })).rejects.toBeInstanceOf(StorageFullError)
    expect(vault.list().map((s) => s.cid)).toEqual([kept.cid])
    const reopened = await Vault.open({ keys, blocks: memoryBlockAccess(), index: inner })
    expect(reopened.list().map((s) => s.cid)).toEqual([kept.cid])
  })

  it('refused block write (the envelope): StorageFullError too', async () => {
    const inner = memoryBlockAccess()
    const blocks: BlockAccess = { ...inner, put: () => Promise.reject(quota()) }
    const vault = await Vault.open({ keys, blocks, index: memoryRecordIndex() })
    await expect(vault.addRecord({ resource: condition(1), source: 'form' })).rejects.toBeInstanceOf(StorageFullError)
    await expect(vault.importRecords({ records: [planned(1)] })).rejects.toBeInstanceOf(StorageFullError)
    expect(vault.list()).toHaveLength(0)
  })
})

describe('fingerprints', () => {
  it('are filled lazily for records stored without one, and kept', async () => {
    const index = memoryRecordIndex()
    const blocks = memoryBlockAccess()
    const vault = await Vault.open({ keys, blocks, index })
    await vault.addRecord({ resource: condition(7), source: 'import' })
    expect(vault.list()[0]!.fingerprint).toBeUndefined()
    const found = await vault.fingerprints({ fingerprint: recordFingerprint })
    expect(found.size).toBe(1)
    const reopened = await Vault.open({ keys, blocks, index })
    expect(reopened.list()[0]!.fingerprint).toBe([...found][0])
  })
})
