import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { accountDatabaseNames, openAccountStores } from '../../src/store/openAccountStores.ts'
import { idbRecordIndex } from '../../src/store/idbRecordIndex.ts'
import { BlockTamperedError } from '../../src/core/blocks.ts'
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import { Vault } from '../../src/core/vault/Vault.ts'

const alice = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const bob = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

describe('account stores (IndexedDB)', () => {
  it('namespaces databases by lower-case account', () => {
    expect(accountDatabaseNames(alice)).toEqual({
      blocks: 'salus:0x70997970c51812dc3a010c7d01b50e0d17dc79c8:blocks',
      vault: 'salus:0x70997970c51812dc3a010c7d01b50e0d17dc79c8:vault',
    })
    expect(() => accountDatabaseNames('alice')).toThrow()
  })

  it('keeps two accounts apart and survives reopening', async () => {
    const a = await openAccountStores(alice)
    const b = await openAccountStores(bob)
    const cid = await a.blocks.put(new TextEncoder().encode('hello'), 'raw')
    await a.index.putMany([{ cid: 'r1', sealed: new Uint8Array([1, 2, 3]) }])
    expect(await b.index.loadAll()).toEqual([])
    await expect(b.blocks.get(cid)).rejects.toThrow()
    await a.close()
    await b.close()

    const again = await openAccountStores(alice.toLowerCase())
    expect(new TextDecoder().decode(await again.blocks.get(cid))).toBe('hello')
    expect((await again.index.loadAll()).map((r) => [...r])).toEqual([[1, 2, 3]])
    await again.index.clear()
    expect(await again.index.loadAll()).toEqual([])
    await again.close()
  })

  it('detects a block altered inside IndexedDB', async () => {
    const s = await openAccountStores(alice)
    const cid = await s.blocks.put(new TextEncoder().encode('original'), 'raw')
    await s.blockstore.put(cid, new TextEncoder().encode('altered!'))
    await expect(s.blocks.get(cid)).rejects.toBeInstanceOf(BlockTamperedError)
    await s.close()
  })

  it('putMany is one transaction: a bad row writes nothing', async () => {
    const index = await idbRecordIndex('salus:test:atomic')
    await index.putMany([{ cid: 'keep', sealed: new Uint8Array([9]) }])
    const bad = { cid: undefined as unknown as string, sealed: new Uint8Array([2]) }
    await expect(index.putMany([{ cid: 'new', sealed: new Uint8Array([1]) }, bad])).rejects.toThrow()
    expect((await index.loadAll()).map((r) => [...r])).toEqual([[9]])
    index.close()
  })

  it('replaceAll swaps every row in one transaction: a bad row keeps the old rows', async () => {
    const index = await idbRecordIndex('salus:test:replace')
    await index.putMany([
      { cid: 'old1', sealed: new Uint8Array([1]) },
      { cid: 'old2', sealed: new Uint8Array([2]) },
    ])
    const bad = { cid: undefined as unknown as string, sealed: new Uint8Array([3]) }
    await expect(index.replaceAll!([{ cid: 'new', sealed: new Uint8Array([7]) }, bad])).rejects.toThrow()
    expect((await index.loadAll()).map((r) => [...r]).sort()).toEqual([[1], [2]])
    await index.replaceAll!([{ cid: 'new', sealed: new Uint8Array([7]) }])
    expect((await index.loadAll()).map((r) => [...r])).toEqual([[7]])
    index.close()
  })

  it('a vault on IndexedDB keeps records, attachments and anchors across sessions', async () => {
    const keys = deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 28 : 200 - i)))
    const carol = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
    const file = Uint8Array.from({ length: 2_500_000 }, (_, i) => (i * 7) & 255)
    const anchorer = {
      chainId: 31337,
      contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const,
      async anchor() {
        return { batchId: '1', txHash: `0x${'cd'.repeat(32)}` as const, blockNumber: '3', timestamp: 1_700_000_000 }
      },
      async readRoot() {
        return undefined
      },
    }
    const first = await openAccountStores(carol)
    const vault = await Vault.open({ keys, blocks: first.blocks, index: first.index, anchorer })
    const note = await vault.addRecord({
      resource: { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'image/png', title: 'scan.png' } }] },
      source: 'form',
      attachment: { name: 'scan.png', contentType: 'image/png', size: file.byteLength, source: [file.subarray(0, 1_000_000), file.subarray(1_000_000)] },
    })
    await vault.anchorPending()
    await first.close()

    const second = await openAccountStores(carol)
    const reopened = await Vault.open({ keys, blocks: second.blocks, index: second.index })
    expect(reopened.list()).toEqual(vault.list())
    expect(reopened.list()[0]!.anchor?.batchId).toBe('1')
    const opened = await reopened.openRecord(note.cid)
    let length = 0
    let same = true
    for await (const part of opened.attachment!.read()) {
      same &&= Buffer.from(part).equals(Buffer.from(file.subarray(length, length + part.byteLength)))
      length += part.byteLength
    }
    expect([length, same]).toEqual([file.byteLength, true])
    await second.close()
  })
})
