import * as dagCbor from '@ipld/dag-cbor'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { maxBlockBytes, type BlockAccess } from '../blocks.ts'
import { decryptStream, defaultChunkSize, encryptStream, streamPrefixBytes, streamTagBytes } from '../../crypto/streamCipher.ts'
import { DecryptionFailedError } from '../../crypto/decryptionFailedError.ts'
import { AttachmentSizeMismatchError, RecordTamperedError, RecordTooLargeError } from './envelopeErrors.ts'

/**
 * A large attachment is AES-256-GCM STREAM ciphertext, one raw block per sealed chunk,
 * listed in order by a dag-cbor manifest `{ chunks, chunkSize, size }`. Sealing holds one
 * chunk at a time; reading holds at most `readAhead` sealed chunks.
 */
export type AttachmentManifest = { chunks: CID[]; chunkSize: number; size: number }

/** Largest plaintext chunk whose sealed block (prefix + tag) still fits in one block. */
export const maxAttachmentChunkSize = maxBlockBytes - streamPrefixBytes - streamTagBytes

/** A separate key, so the body's XChaCha key is never also used as an AES-GCM key. */
export function attachmentKey(dataKey: Uint8Array): Uint8Array {
  return hkdf(sha256, dataKey, undefined, new TextEncoder().encode('salus/attachment/v1'), 32)
}

export async function sealAttachment(
  blocks: BlockAccess,
  parameters: {
    dataKey: Uint8Array
    aad: Uint8Array
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
    size: number
    chunkSize?: number
    onBytes?: (bytes: number) => void
  },
): Promise<CID> {
  const { dataKey, aad, source, size, chunkSize = defaultChunkSize, onBytes } = parameters
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > maxAttachmentChunkSize) {
    throw new RecordTooLargeError({ details: `attachment chunk size must be 1..${maxAttachmentChunkSize} bytes` })
  }
  let seen = 0
  async function* counted() {
    for await (const part of source) {
      seen += part.byteLength
      if (seen > size) throw new AttachmentSizeMismatchError({ declared: size, actual: seen })
      yield part
    }
    if (seen !== size) throw new AttachmentSizeMismatchError({ declared: size, actual: seen })
  }
  const chunks: CID[] = []
  let done = 0
  for await (const sealed of encryptStream(attachmentKey(dataKey), counted(), { aad, chunkSize })) {
    chunks.push(await blocks.put(sealed, 'raw'))
    done = Math.min(size, done + chunkSize)
    onBytes?.(done)
  }
  const manifest: AttachmentManifest = { chunks, chunkSize, size }
  const bytes = dagCbor.encode(manifest)
  if (bytes.byteLength > maxBlockBytes) throw new RecordTooLargeError({ details: `attachment of ${size} bytes needs too many chunks` })
  return blocks.put(bytes, 'dag-cbor')
}

/** Fetches and checks a manifest against the size the signed header declares. */
export async function loadAttachmentManifest(blocks: BlockAccess, cid: CID, size: number): Promise<AttachmentManifest> {
  const bytes = await blocks.get(cid)
  let decoded: unknown
  try {
    decoded = dagCbor.decode(bytes)
  } catch (cause) {
    throw new RecordTamperedError({ details: 'attachment manifest is not valid dag-cbor', cause })
  }
  const m = decoded as Partial<Record<keyof AttachmentManifest, unknown>> | null
  const bad = (details: string) => new RecordTamperedError({ details: `attachment manifest: ${details}` })
  if (typeof m !== 'object' || m === null || !Array.isArray(m.chunks)) throw bad('not a map with a chunk list')
  if (!Number.isSafeInteger(m.chunkSize) || (m.chunkSize as number) < 1 || (m.chunkSize as number) > maxAttachmentChunkSize) {
    throw bad('impossible chunk size')
  }
  if (m.size !== size) throw bad(`size ${String(m.size)} differs from the signed ${size}`)
  const chunkSize = m.chunkSize as number
  const expected = Math.max(1, Math.ceil(size / chunkSize))
  if (m.chunks.length !== expected) throw bad(`${m.chunks.length} chunks where ${expected} were expected`)
  const chunks = m.chunks.map((value: unknown) => {
    const chunk = CID.asCID(value)
    if (!chunk || chunk.version !== 1 || chunk.code !== raw.code) throw bad('a chunk is not a raw CIDv1')
    return chunk
  })
  return { chunks, chunkSize, size }
}

/**
 * Chunk blocks requested at once while reading: one block per round trip
 * leaves the link idle between blocks; a few in flight keep it busy.
 */
export const defaultReadAhead = 4
const maxReadAhead = 16

export type ReadAttachmentParameters = {
  manifest: AttachmentManifest
  dataKey: Uint8Array
  aad: Uint8Array
  onBytes?: (bytes: number) => void
  /** Sealed chunks fetched ahead of the reader, 1..16; default 4. Memory is about this × chunk size. */
  readAhead?: number
}

/**
 * Streams the plaintext, verifying every block hash, tag, position and the total length.
 * Up to `readAhead` chunk blocks are requested concurrently but handed to the cipher in
 * manifest order, so reordering and truncation are caught exactly as with one at a time.
 */
export async function* readAttachment(blocks: BlockAccess, parameters: ReadAttachmentParameters): AsyncGenerator<Uint8Array, void, undefined> {
  const { manifest, dataKey, aad, onBytes, readAhead = defaultReadAhead } = parameters
  if (!Number.isSafeInteger(readAhead) || readAhead < 1 || readAhead > maxReadAhead) {
    throw new RangeError(`readAhead must be 1..${maxReadAhead}`)
  }
  // Counting the chunk the cipher holds, never more than `readAhead` sealed chunks are
  // fetched and not yet decrypted for the reader.
  async function* sealedChunks() {
    const pending: Promise<Uint8Array>[] = []
    let next = 0
    while (next < manifest.chunks.length || pending.length > 0) {
      while (pending.length < readAhead && next < manifest.chunks.length) {
        const request = blocks.get(manifest.chunks[next++]!)
        // Failures surface in order when awaited; one left behind by an early stop is not unhandled.
        request.catch(() => {})
        pending.push(request)
      }
      yield await pending.shift()!
    }
  }
  let done = 0
  let index = 0
  try {
    for await (const plaintext of decryptStream(attachmentKey(dataKey), sealedChunks(), { aad, maxChunkSize: manifest.chunkSize })) {
      const isLast = index === manifest.chunks.length - 1
      const expected = isLast ? manifest.size - done : manifest.chunkSize
      if (plaintext.byteLength !== expected) {
        throw new RecordTamperedError({ details: `attachment chunk ${index} holds ${plaintext.byteLength} bytes, expected ${expected}` })
      }
      done += plaintext.byteLength
      index++
      onBytes?.(done)
      yield plaintext
    }
  } catch (cause) {
    if (cause instanceof DecryptionFailedError) throw new RecordTamperedError({ details: 'attachment failed authentication', cause })
    throw cause
  }
}
