import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { blockAccess, type BlockAccess } from '../core/blocks.ts'

export type NetworkBlockstore = {
  get(cid: CID, options?: AbortOptions): Iterable<Uint8Array> | AsyncIterable<Uint8Array>
  put(cid: CID, bytes: Uint8Array, options?: AbortOptions): unknown
}

/**
 * `BlockAccess` over a Helia node's blockstore, which fetches missing blocks from
 * connected peers over bitswap; a block nobody sends within `timeoutMs` fails
 * instead of waiting forever. Bytes are still checked against their CID.
 */
export function networkBlockAccess(helia: { blockstore: NetworkBlockstore }, { timeoutMs = 20_000 }: { timeoutMs?: number } = {}): BlockAccess {
  return blockAccess({
    blockstore: {
      get: (cid) => helia.blockstore.get(cid, { signal: AbortSignal.timeout(timeoutMs) }),
      put: (cid, bytes) => helia.blockstore.put(cid, bytes),
    },
  })
}
