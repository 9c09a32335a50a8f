import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { accountDatabaseNames, openAccountStores } from '../../src/store/openAccountStores.ts'
import { idbRecordIndex } from '../../src/store/idbRecordIndex.ts'
import { BlockTamperedError } from '../../src/core/blocks.ts'

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
})
