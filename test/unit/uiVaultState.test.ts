import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Hex } from 'viem'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import { buildAllergy, buildLabResult } from '../../src/core/fhir/recordForms.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import type { Anchorer } from '../../src/core/vault/types.ts'
import type { AccountStores } from '../../src/store/openAccountStores.ts'
import { anchorQuietPeriodMs } from '../../src/ui/state/AnchorState.svelte.ts'
import { Workspace } from '../../src/ui/state/Workspace.svelte.ts'

// Real vault, real crypto, in-memory storage; only the chain is faked (its logic is tested elsewhere on anvil).
const keys = deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 28 : (i * 13 + 5) & 255)))
const account = { address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', label: 'Alice', kind: 'local' } as const

function fakeAnchorer(): Anchorer & { calls: number } {
  const roots = new Map<string, { root: Hex; timestamp: number }>()
  return {
    calls: 0,
    chainId: 31337,
    contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    async anchor(root) {
      this.calls++
      const batchId = String(roots.size + 1)
      roots.set(batchId, { root, timestamp: 1_700_000_000 })
      return { batchId, txHash: `0x${'cd'.repeat(32)}`, blockNumber: '12', timestamp: 1_700_000_000 }
    },
    async readRoot(batchId) {
      return roots.get(batchId)
    },
  }
}

function memoryStores(): AccountStores {
  const blocks = memoryBlockAccess()
  return { blocks, index: memoryRecordIndex(), blockstore: blocks.blockstore as never, close: async () => {} }
}

const labResult = () => buildLabResult({ test: 'HbA1c', value: 6.1, unit: '%', date: '2024-03-01' })
const allergy = () => buildAllergy({ substance: 'Penicillin', reaction: 'Hives', severity: 'mild', onset: '2019-05-02' })

afterEach(() => {
  vi.useRealTimers()
})

describe('Workspace state', () => {
  it('adds records, groups and searches them, and anchors by itself after a quiet period', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const anchorer = fakeAnchorer()
    const workspace = await Workspace.open({ account, keys, stores: memoryStores(), anchorer })
    await workspace.list.addRecord(labResult())
    await workspace.list.addRecord(allergy())
    expect(workspace.list.records).toHaveLength(2)
    expect(workspace.list.groups.map((group) => group.label)).toEqual(['Allergies', 'Lab results'])
    workspace.list.query = 'penic'
    expect(workspace.list.visible.map((record) => record.title)).toEqual([expect.stringMatching(/Penicillin/)])
    workspace.list.query = ''

    expect(workspace.anchor.pending).toBe(2)
    await workspace.record.open(workspace.list.records[0]!.cid)
    expect(workspace.record.summary?.anchor).toBeUndefined()
    await vi.advanceTimersByTimeAsync(anchorQuietPeriodMs - 100)
    expect(anchorer.calls).toBe(0)
    // A new record restarts the quiet period.
    await workspace.list.addRecord(buildAllergy({ substance: 'Latex' }))
    await vi.advanceTimersByTimeAsync(anchorQuietPeriodMs - 100)
    expect(anchorer.calls).toBe(0)
    await vi.advanceTimersByTimeAsync(200)
    await vi.waitFor(() => expect(workspace.anchor.pending).toBe(0))
    expect(anchorer.calls).toBe(1)
    expect(workspace.list.records.every((record) => record.anchor?.batchId === '1')).toBe(true)
    // The open record shows its new anchor without being closed and reopened.
    expect(workspace.record.summary?.anchor?.txHash).toBe(`0x${'cd'.repeat(32)}`)
    expect(workspace.record.opened).toBeDefined()
    await workspace.close()
  })

  it('reports a rejected import item with its reason and leaves the vault unchanged by a broken file', async () => {
    const workspace = await Workspace.open({ account, keys, stores: memoryStores() })
    const good = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: labResult() }, { resource: { resourceType: 'Observation', status: 'nope' } }] }
    const importing = workspace.list.importFiles([
      new File([JSON.stringify(good)], 'labs.json', { type: 'application/json' }),
      new File(['{ not json'], 'broken.json', { type: 'application/json' }),
    ])
    // The lab result names its patient: the import asks who the patient is, and waits.
    await vi.waitFor(() => expect(workspace.list.choosing?.people).toHaveLength(1), { timeout: 30_000 })
    workspace.list.choosing!.answer(workspace.list.choosing!.people[0]!.key)
    await importing
    const [labs, broken] = workspace.list.imports
    expect(labs?.added).toHaveLength(1)
    expect(labs?.rejected).toHaveLength(1)
    expect(labs?.rejected[0]?.reason).toMatch(/status|code/)
    expect(broken?.added).toHaveLength(0)
    expect(broken?.rejected[0]?.reason).toBeTruthy()
    expect(workspace.list.records).toHaveLength(1)
    expect(workspace.list.status).toMatch(/Imported 1 record; 2 not imported/)
    expect(labs?.chosen).toBeDefined()
    await workspace.close()
  })

  it('restores a downloaded backup into a fresh store for the same keys', async () => {
    const first = await Workspace.open({ account, keys, stores: memoryStores() })
    await first.list.addRecord(allergy())
    const chunks: Uint8Array[] = []
    for await (const chunk of first.vault.backup()) chunks.push(chunk)
    const file = new File(chunks as BlobPart[], 'salus-backup.salus')

    const second = await Workspace.open({ account, keys, stores: memoryStores() })
    expect(second.list.records).toHaveLength(0)
    await second.backup.restore(file)
    expect(second.backup.error).toBe('')
    expect(second.backup.status).toBe('Restored 1 record from the backup.')
    expect(second.list.records.map((record) => record.title)).toEqual(first.list.records.map((record) => record.title))
    await second.record.open(second.list.records[0]!.cid)
    expect(second.record.opened?.view.title).toMatch(/Penicillin/)
    await first.close()
    await second.close()
  })

  it('shows a clear message when the record does not open, and Verify names the failing check', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const stores = memoryStores()
    const workspace = await Workspace.open({ account, keys, stores })
    const saved = await workspace.list.addRecord(allergy())
    // Corrupt every stored block behind the vault's back.
    const store = (stores.blocks as ReturnType<typeof memoryBlockAccess>).blockstore
    for await (const { cid } of store.getAll()) {
      const bytes = new Uint8Array(await collect(store.get(cid)))
      bytes[bytes.length - 1]! ^= 1
      await store.put(cid, bytes)
    }
    await workspace.record.open(saved!.cid)
    expect(workspace.record.opened).toBeUndefined()
    expect(workspace.record.error).toMatch(/altered or corrupted/)
    // The console keeps the cause for whoever debugs it.
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/opening a record/), expect.objectContaining({ name: 'BlockTamperedError' }))
    expect(workspace.record.summary?.cid).toBe(saved!.cid)
    await workspace.record.verify()
    expect(workspace.record.verification?.ok).toBe(false)
    expect(workspace.record.verification?.checks.some((check) => !check.ok && /altered/.test(check.detail))).toBe(true)
    await workspace.close()
  })
})

async function collect(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array | Promise<Uint8Array>): Promise<Uint8Array> {
  const value = await source
  if (value instanceof Uint8Array) return value
  const parts: number[] = []
  for await (const part of value) parts.push(...part)
  return Uint8Array.from(parts)
}
