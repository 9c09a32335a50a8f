import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import type { BlockAccess } from '../blocks.ts'

/** A record's blocks are bounded: a 1 GiB attachment in 1 MiB chunks is ~1,000 of them. */
const maxBlocksPerRecord = 100_000

/**
 * Every block reachable from a record's envelope, each fetched through BlockAccess (so
 * checked against its CID; a mismatch throws BlockTamperedError). Walks CID links in
 * dag-cbor blocks generically, so it does not depend on the envelope's field names.
 * One block is held at a time, plus the CIDs still to visit.
 */
export async function* recordBlocks(
  blocks: BlockAccess,
  envelopeCid: CID,
  seen: Set<string> = new Set(),
): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
  const queue: CID[] = [envelopeCid]
  let count = 0
  while (queue.length > 0) {
    const cid = queue.shift() as CID
    const key = cid.toString()
    if (seen.has(key)) continue
    seen.add(key)
    if (++count > maxBlocksPerRecord) throw new RangeError(`record links more than ${maxBlocksPerRecord} blocks`)
    const bytes = await blocks.get(cid)
    if (cid.code === dagCbor.code) collectLinks(dagCbor.decode(bytes), queue)
    yield { cid, bytes }
  }
}

function collectLinks(value: unknown, into: CID[]): void {
  const link = CID.asCID(value)
  if (link) {
    into.push(link)
    return
  }
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return
  for (const child of Array.isArray(value) ? value : Object.values(value)) collectLinks(child, into)
}
