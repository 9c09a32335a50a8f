import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { describe, expect, it } from 'vitest'
import { BlockNotFoundError, BlockTamperedError, blockAccess, memoryBlockAccess, maxBlockBytes } from '../../src/core/blocks.ts'

describe('blocks', () => {
  it('stores raw and dag-cbor blocks under CIDv1 sha2-256 and reads them back', async () => {
    const blocks = memoryBlockAccess()
    const rawCid = await blocks.put(new Uint8Array([1, 2, 3]), 'raw')
    const cborCid = await blocks.put(dagCbor.encode({ a: 1 }), 'dag-cbor')
    expect([rawCid.version, rawCid.code, rawCid.multihash.code]).toEqual([1, 0x55, 0x12])
    expect([cborCid.version, cborCid.code]).toEqual([1, 0x71])
    expect(await blocks.get(rawCid)).toEqual(new Uint8Array([1, 2, 3]))
    expect(dagCbor.decode(await blocks.get(cborCid))).toEqual({ a: 1 })
  })

  it('gives the same CID as a well-known raw block', async () => {
    // `echo -n hello | ipfs add --cid-version 1 --raw-leaves` → this CID.
    const cid = await memoryBlockAccess().put(new TextEncoder().encode('hello'), 'raw')
    expect(cid.toString()).toBe('bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq')
  })

  it('rejects bytes rewritten under the same CID', async () => {
    const blocks = memoryBlockAccess()
    const cid = await blocks.put(new Uint8Array([9, 9, 9]), 'raw')
    await blocks.blockstore.put(cid, new Uint8Array([9, 9, 8]))
    await expect(blocks.get(cid)).rejects.toBeInstanceOf(BlockTamperedError)
  })

  it('concatenates a blockstore that yields a block in several chunks', async () => {
    const store = new MemoryBlockstore()
    const blocks = blockAccess({ blockstore: store })
    const bytes = crypto.getRandomValues(new Uint8Array(1000))
    const cid = await blocks.put(bytes, 'raw')
    const chunked = {
      put: store.put.bind(store),
      async *get(key: CID) {
        const whole = await blocks.get(key)
        for (let i = 0; i < whole.length; i += 300) yield whole.subarray(i, i + 300)
      },
    }
    expect(await blockAccess({ blockstore: chunked }).get(cid)).toEqual(bytes)
  })

  it('reports a missing block by name', async () => {
    const blocks = memoryBlockAccess()
    const cid = await memoryBlockAccess().put(new Uint8Array([7]), 'raw')
    const error = await blocks.get(cid).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BlockNotFoundError)
    expect((error as BlockNotFoundError).name).toBe('BlockNotFoundError')
  })

  it('refuses CIDs it cannot verify and oversized blocks', async () => {
    const blocks = memoryBlockAccess()
    const bytes = new Uint8Array([1])
    const identityCid = CID.createV1(0x55, identity.digest(bytes))
    await blocks.blockstore.put(identityCid, bytes)
    await expect(blocks.get(identityCid)).rejects.toBeInstanceOf(BlockTamperedError)
    await expect(blocks.put(new Uint8Array(maxBlockBytes + 1), 'raw')).rejects.toThrow(/too large/)
  })
})
