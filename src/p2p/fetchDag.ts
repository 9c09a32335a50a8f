import { createUnsafe } from 'multiformats/block'
import type { CID } from 'multiformats/cid'
import type { Helia } from '@helia/interface'
import { PinRequestError } from './p2pErrors.ts'

export interface DagBudget {
  blocks: number
  bytes: number
}

export interface FetchDagParameters {
  root: CID
  /** Shared across the roots of one request, decremented as blocks arrive. */
  budget: DagBudget
  signal: AbortSignal
  /** Peers (as CIDs of their peer ids) the block exchange asks first. */
  providers?: CID[]
  /** A block nobody sends within this long fails the fetch. */
  blockTimeoutMs?: number
  concurrency?: number
}

/**
 * Fetches every block reachable from `root` into the local blockstore, refusing
 * once the budget is spent, so a peer cannot make a care node download without
 * bound. Helia checks each fetched block against its CID's multihash.
 */
export async function fetchDag(
  helia: Pick<Helia, 'blockstore' | 'getCodec'>,
  { root, budget, signal, providers, blockTimeoutMs = 30_000, concurrency = 8 }: FetchDagParameters,
): Promise<number> {
  const seen = new Set<string>([root.toString()])
  const queue: CID[] = [root]
  let fetched = 0
  let failure: unknown

  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      const cid = queue.shift()
      if (cid === undefined) return
      try {
        if (budget.blocks <= 0) throw new PinRequestError('limit-exceeded', 'too many blocks in this request')
        budget.blocks -= 1
        const blockSignal = AbortSignal.any([signal, AbortSignal.timeout(blockTimeoutMs)])
        const bytes = await readBlock(helia, cid, blockSignal, providers)
        budget.bytes -= bytes.byteLength
        if (budget.bytes < 0) throw new PinRequestError('limit-exceeded', 'too many bytes in this request')
        fetched += 1
        const codec = await helia.getCodec(cid.code)
        for (const [, link] of createUnsafe({ bytes, cid, codec }).links()) {
          const key = link.toString()
          if (seen.has(key)) continue
          seen.add(key)
          queue.push(link)
        }
      } catch (error) {
        failure ??= error
      }
    }
  }

  // Workers exit when the queue is momentarily empty while others still decode
  // links; loop until nothing is left so late links are fetched too.
  while (queue.length > 0 && failure === undefined) {
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
  }
  if (failure !== undefined) throw failure
  return fetched
}

async function readBlock(
  helia: Pick<Helia, 'blockstore'>,
  cid: CID,
  signal: AbortSignal,
  providers: CID[] | undefined,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of helia.blockstore.get(cid, { signal, ...(providers ? { providers } : {}) })) {
    chunks.push(chunk)
  }
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}
