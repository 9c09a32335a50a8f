import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { SalusError } from '../errors/salusError.ts'

/** Content-addressed block I/O that never hands back bytes it has not checked against their CID. */
export interface BlockAccess {
  put(bytes: Uint8Array, codec: BlockCodec): Promise<CID>
  get(cid: CID): Promise<Uint8Array>
}

export type BlockCodec = 'raw' | 'dag-cbor'

/** The narrow part of a Helia (interface-blockstore 6) blockstore we use; `get` yields chunks. */
export type BlockstoreLike = {
  get(cid: CID): Iterable<Uint8Array> | AsyncIterable<Uint8Array>
  put(cid: CID, bytes: Uint8Array): unknown
}

/** Bitswap refuses blocks above 2 MiB; we keep a margin above the 1 MiB stream chunk. */
export const maxBlockBytes = 2 * 1024 * 1024

const codecs = { raw: raw.code, 'dag-cbor': dagCbor.code } as const
const knownCodecs: ReadonlySet<number> = new Set(Object.values(codecs))

export class BlockTamperedError extends SalusError {
  override name = 'BlockTamperedError' as const
  constructor(cid: CID, parameters: { details?: string; cause?: unknown } = {}) {
    super(
      'Part of this record has been altered or corrupted in storage, so it was not opened. Ask for a fresh copy from its owner or a care node.',
      { details: parameters.details ?? `block ${cid.toString()} does not match its content address`, cause: parameters.cause },
    )
  }
}

export class BlockNotFoundError extends SalusError {
  override name = 'BlockNotFoundError' as const
  constructor(cid: CID, parameters: { cause?: unknown } = {}) {
    super(
      'Part of this record is not stored on this device. Connect to the network so it can be fetched, then try again.',
      { details: `block ${cid.toString()} is not in the blockstore`, cause: parameters.cause },
    )
  }
}

export class BlockTooLargeError extends SalusError {
  override name = 'BlockTooLargeError' as const
  constructor(size: number) {
    super('This piece of data is too large to store as one block.', {
      details: `block of ${size} bytes exceeds the ${maxBlockBytes}-byte limit`,
    })
  }
}

/** Adapts a Helia blockstore (interface-blockstore 6): only `get` and `put` are needed. */
export function blockAccess({ blockstore }: { blockstore: BlockstoreLike }): BlockAccess {
  return {
    async put(bytes, codec) {
      if (bytes.byteLength > maxBlockBytes) throw new BlockTooLargeError(bytes.byteLength)
      const cid = CID.createV1(codecs[codec], await sha256.digest(bytes))
      await blockstore.put(cid, bytes)
      return cid
    },
    async get(cid) {
      let bytes: Uint8Array
      try {
        bytes = await collect(blockstore.get(cid), cid)
      } catch (error) {
        if (error instanceof SalusError) throw error
        if (error instanceof Error && error.name === 'NotFoundError') throw new BlockNotFoundError(cid, { cause: error })
        throw error
      }
      await verifyBlock(cid, bytes)
      return bytes
    },
  }
}

/** An in-memory `BlockAccess` for tests and tools. */
export function memoryBlockAccess(): BlockAccess & { blockstore: MemoryBlockstore } {
  const blockstore = new MemoryBlockstore()
  return { ...blockAccess({ blockstore }), blockstore }
}

/** Throws `BlockTamperedError` unless `bytes` hash (sha2-256) to `cid` under a codec we read. */
export async function verifyBlock(cid: CID, bytes: Uint8Array): Promise<void> {
  if (cid.version !== 1 || !knownCodecs.has(cid.code) || cid.multihash.code !== sha256.code) {
    throw new BlockTamperedError(cid, { details: `unsupported CID ${cid.toString()} (need CIDv1, raw or dag-cbor, sha2-256)` })
  }
  const digest = await sha256.digest(bytes)
  if (!equalBytes(digest.digest, cid.multihash.digest)) throw new BlockTamperedError(cid)
}

async function collect(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, cid: CID): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let length = 0
  for await (const part of chunks) {
    length += part.byteLength
    // A peer could serve an endless block; stop before it exhausts memory.
    if (length > maxBlockBytes) throw new BlockTamperedError(cid, { details: `block ${cid.toString()} exceeds ${maxBlockBytes} bytes` })
    parts.push(part)
  }
  if (parts.length === 1 && parts[0]) return parts[0]
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}
