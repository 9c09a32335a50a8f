import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { maxBlockBytes } from '../blocks.ts'
import { decryptStream, encryptStream, streamPrefixBytes, streamTagBytes } from '../../crypto/streamCipher.ts'
import { ByteReader } from './byteReader.ts'
import { parseIndexEntry, type IndexEntry } from './indexEntry.ts'
import { BackupArchiveError } from './vaultErrors.ts'

/**
 * The encrypted backup archive (docs/backup-format.md):
 * magic 'SALUS-BACKUP\x01' || salt (32) || sealed chunks, each u32 length || chunk.
 * Chunks are the AES-256-GCM STREAM (src/crypto/streamCipher.ts) under
 * HKDF-SHA256(vaultKey, salt, 'salus/backup/v1'), aad = magic || salt, over items
 * u8 kind || u32 length || payload.
 */
export const backupMagic = new TextEncoder().encode('SALUS-BACKUP\x01')
const saltBytes = 32
const chunkSize = 256 * 1024
const maxSealedChunk = chunkSize + streamPrefixBytes + streamTagBytes
const maxEntryBytes = 256 * 1024
const maxCidBytes = 256

export type BackupItem =
  | { kind: 'entry'; entry: IndexEntry }
  | { kind: 'block'; cid: string; bytes: Uint8Array }

const kinds = { entry: 1, block: 2, end: 3 } as const
const encoder = new TextEncoder()
const decoder = new TextDecoder()

function backupKey(vaultKey: Uint8Array, salt: Uint8Array): Uint8Array {
  return hkdf(sha256, vaultKey, salt, encoder.encode('salus/backup/v1'), 32)
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value)
  return out
}

function frame(kind: number, payload: Uint8Array): Uint8Array {
  return concat(new Uint8Array([kind]), u32(payload.byteLength), payload)
}

async function* plaintextItems(items: AsyncIterable<BackupItem>): AsyncGenerator<Uint8Array> {
  let entries = 0
  let blocks = 0
  for await (const item of items) {
    if (item.kind === 'entry') {
      entries++
      yield frame(kinds.entry, encoder.encode(JSON.stringify(item.entry)))
    } else {
      blocks++
      const cid = encoder.encode(item.cid)
      const head = new Uint8Array(2 + cid.byteLength)
      new DataView(head.buffer).setUint16(0, cid.byteLength)
      head.set(cid, 2)
      // Header and bytes go separately so a 1 MiB block is not copied once more.
      yield concat(new Uint8Array([kinds.block]), u32(head.byteLength + item.bytes.byteLength), head)
      yield item.bytes
    }
  }
  // Counts let restore tell a complete archive from one cut at an item boundary.
  yield frame(kinds.end, encoder.encode(JSON.stringify({ entries, blocks })))
}

/** Streams the encrypted archive; memory stays at about one chunk plus one block. */
export async function* writeBackupArchive(vaultKey: Uint8Array, items: AsyncIterable<BackupItem>): AsyncGenerator<Uint8Array> {
  const salt = crypto.getRandomValues(new Uint8Array(saltBytes))
  const header = concat(backupMagic, salt)
  yield header
  for await (const sealed of encryptStream(backupKey(vaultKey, salt), plaintextItems(items), { aad: header, chunkSize })) {
    yield concat(u32(sealed.byteLength), sealed)
  }
}

/**
 * Yields the archive's items as they are decrypted. Every chunk is authenticated before
 * its items come out; the caller must still treat the restore as failed unless the
 * iteration ends without throwing (the end item is checked last). Throws BackupArchiveError.
 */
export async function* readBackupArchive(
  vaultKey: Uint8Array,
  archive: AsyncIterable<Uint8Array> | Uint8Array,
): AsyncGenerator<BackupItem> {
  try {
    const reader = new ByteReader(archive)
    const header = await reader.readExactly(backupMagic.byteLength + saltBytes)
    if (!backupMagic.every((b, i) => header[i] === b)) throw new BackupArchiveError({ details: 'not a Salus backup (bad magic)' })
    const salt = header.slice(backupMagic.byteLength)
    const sealedChunks = async function* () {
      for (;;) {
        const length = await reader.read(4)
        if (!length) return
        const size = new DataView(length.buffer, length.byteOffset, 4).getUint32(0)
        if (size > maxSealedChunk) throw new BackupArchiveError({ details: `sealed chunk of ${size} bytes is too large` })
        yield await reader.readExactly(size)
      }
    }
    const plain = new ByteReader(decryptStream(backupKey(vaultKey, salt), sealedChunks(), { aad: header.slice(), maxChunkSize: chunkSize }))
    let entries = 0
    let blocks = 0
    for (;;) {
      const head = await plain.read(5)
      if (!head) throw new BackupArchiveError({ details: 'archive has no end marker' })
      const kind = head[0]
      const size = new DataView(head.buffer, head.byteOffset + 1, 4).getUint32(0)
      if (kind === kinds.entry) {
        if (size > maxEntryBytes) throw new BackupArchiveError({ details: 'index entry too large' })
        entries++
        yield { kind: 'entry', entry: parseIndexEntry(JSON.parse(decoder.decode(await plain.readExactly(size)))) }
      } else if (kind === kinds.block) {
        if (size < 2 || size > 2 + maxCidBytes + maxBlockBytes) throw new BackupArchiveError({ details: 'block item has an impossible size' })
        const payload = await plain.readExactly(size)
        const cidLength = new DataView(payload.buffer, payload.byteOffset, 2).getUint16(0)
        if (cidLength === 0 || cidLength > maxCidBytes || 2 + cidLength > size) throw new BackupArchiveError({ details: 'bad cid length' })
        blocks++
        yield { kind: 'block', cid: decoder.decode(payload.subarray(2, 2 + cidLength)), bytes: payload.slice(2 + cidLength) }
      } else if (kind === kinds.end) {
        if (size > 1024) throw new BackupArchiveError({ details: 'end item too large' })
        const counts = JSON.parse(decoder.decode(await plain.readExactly(size))) as { entries?: unknown; blocks?: unknown }
        if (counts.entries !== entries || counts.blocks !== blocks) throw new BackupArchiveError({ details: 'item counts do not match' })
        if (await plain.read(1)) throw new BackupArchiveError({ details: 'data after the end marker' })
        return
      } else {
        throw new BackupArchiveError({ details: `unknown item kind ${kind}` })
      }
    }
  } catch (error) {
    if (error instanceof BackupArchiveError) throw error
    throw new BackupArchiveError({ cause: error })
  }
}
