import type { AbortOptions } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'
import { blockAccess, type BlockAccess } from '../core/blocks.ts'

export type BlockProvider = CID | Multiaddr | Multiaddr[]

export type NetworkBlockstore = {
  get(cid: CID, options?: AbortOptions & { providers?: BlockProvider[] }): Iterable<Uint8Array> | AsyncIterable<Uint8Array>
  put(cid: CID, bytes: Uint8Array, options?: AbortOptions): unknown
}

export type NetworkBlockAccessOptions = {
  timeoutMs?: number
  /**
   * Peers that should hold the blocks, asked first: the patient (its relay circuit
   * address) and the care nodes. Without them only already connected peers are asked.
   */
  providers?: Array<BlockProvider | string>
}

/**
 * `BlockAccess` over a Helia node's blockstore, which fetches missing blocks from
 * peers over the block exchange (blockExchange.ts); a block nobody sends within `timeoutMs` fails instead of
 * waiting forever. Bytes are still checked against their CID.
 */
export function networkBlockAccess(helia: { blockstore: NetworkBlockstore }, { timeoutMs = 20_000, providers }: NetworkBlockAccessOptions = {}): BlockAccess {
  const hints = providers?.map((provider) => (typeof provider === 'string' ? multiaddr(provider) : provider))
  return blockAccess({
    blockstore: {
      get: (cid) => helia.blockstore.get(cid, { signal: AbortSignal.timeout(timeoutMs), ...(hints ? { providers: hints } : {}) }),
      put: (cid, bytes) => helia.blockstore.put(cid, bytes),
    },
  })
}
