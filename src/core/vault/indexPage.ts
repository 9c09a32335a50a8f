import type { Hex } from 'viem'
import { openSmall, sealSmall } from '../../crypto/xchacha.ts'
import { parseIndexEntry, type IndexEntry } from './indexEntry.ts'
import type { AnchorInfo, RecordSummary } from './types.ts'
import { VaultIndexCorruptError } from './vaultErrors.ts'

/**
 * One stored index row = one page of up to `indexPageSize` records, sealed with
 * XChaCha20-Poly1305 under the vault key, aad = the page key.
 * Why pages and not a row per record: opening 10,000 one-record rows spent most of its
 * time in per-message AEAD setup (measured ~2x slower than the same bytes in pages),
 * and the list must open in well under a second. Adding a record re-seals one page.
 *
 * Row bytes: u16 key length || key (utf-8) || sealSmall(page JSON). The key is in clear
 * so a row opens from loadAll() alone; the aad binds it. Page JSON is compact: anchor
 * fields shared by a batch are stored once, and so is every Merkle hash: records of one
 * batch share most proof nodes, so a record keeps indices into the page's hash table
 * (a 14-step proof costs ~60 bytes instead of ~1 KB, and decryption time follows size).
 */
export const indexPageSize = 256

type BatchFields = Omit<AnchorInfo, 'leaf' | 'proof' | 'salt'>
/** a: the batch, the leaf and proof as hash-table indices, and the record's anchor salt (its own index) when salted. */
type StoredRecord = { s: Omit<RecordSummary, 'anchor'>; e: number; a?: [batch: number, leafAndProof: number[], salt?: number] }
type StoredPage = { v: 1; batches: BatchFields[]; hashes: string[]; records: StoredRecord[] }

const maxKeyBytes = 64
// 256 records of at most a few KiB each; anything larger is not ours.
const maxRowBytes = 16 * 1024 * 1024
const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function sealIndexPage(vaultKey: Uint8Array, key: string, entries: readonly IndexEntry[]): { cid: string; sealed: Uint8Array } {
  const batches: BatchFields[] = []
  const batchIndex = new Map<string, number>()
  const hashes: string[] = []
  const hashIndex = new Map<string, number>()
  const hashRef = (hash: Hex): number => {
    const bare = hash.slice(2).toLowerCase()
    let index = hashIndex.get(bare)
    if (index === undefined) hashIndex.set(bare, (index = hashes.push(bare) - 1))
    return index
  }
  const records = entries.map((entry): StoredRecord => {
    const { anchor, ...summary } = entry.summary
    const record: StoredRecord = { s: summary, e: entry.epoch }
    if (anchor) {
      const { leaf, proof, salt, ...batch } = anchor
      const id = `${batch.chainId}/${batch.contract}/${batch.batchId}`
      let index = batchIndex.get(id)
      if (index === undefined) batchIndex.set(id, (index = batches.push(batch) - 1))
      record.a = salt === undefined ? [index, [leaf, ...proof].map(hashRef)] : [index, [leaf, ...proof].map(hashRef), hashRef(salt)]
    }
    return record
  })
  const page: StoredPage = { v: 1, batches, hashes, records }
  const keyBytes = encoder.encode(key)
  const body = sealSmall(vaultKey, encoder.encode(JSON.stringify(page)), keyBytes)
  const sealed = new Uint8Array(2 + keyBytes.byteLength + body.byteLength)
  new DataView(sealed.buffer).setUint16(0, keyBytes.byteLength)
  sealed.set(keyBytes, 2)
  sealed.set(body, 2 + keyBytes.byteLength)
  return { cid: key, sealed }
}

export function openIndexPage(vaultKey: Uint8Array, sealed: Uint8Array): { key: string; entries: IndexEntry[] } {
  if (!(sealed instanceof Uint8Array) || sealed.byteLength < 2 || sealed.byteLength > maxRowBytes) {
    throw new VaultIndexCorruptError({ details: 'index row has an impossible size' })
  }
  const keyLength = new DataView(sealed.buffer, sealed.byteOffset, sealed.byteLength).getUint16(0)
  if (keyLength === 0 || keyLength > maxKeyBytes || 2 + keyLength > sealed.byteLength) {
    throw new VaultIndexCorruptError({ details: 'index row has a bad key length' })
  }
  const keyBytes = sealed.subarray(2, 2 + keyLength)
  let page: StoredPage
  try {
    page = JSON.parse(decoder.decode(openSmall(vaultKey, sealed.subarray(2 + keyLength), keyBytes))) as StoredPage
  } catch (cause) {
    throw new VaultIndexCorruptError({ cause })
  }
  if (
    page?.v !== 1 ||
    !Array.isArray(page.batches) ||
    !Array.isArray(page.records) ||
    !Array.isArray(page.hashes) ||
    page.records.length > indexPageSize
  ) {
    throw new VaultIndexCorruptError({ details: 'index page has an unknown layout' })
  }
  const hashes = page.hashes.map((bare): Hex => {
    if (typeof bare !== 'string' || !/^[0-9a-f]{64}$/.test(bare)) throw new VaultIndexCorruptError({ details: 'index page has a malformed hash' })
    return `0x${bare}`
  })
  const entries = page.records.map((record) => {
    const summary = { ...record.s } as RecordSummary
    if (record.a) summary.anchor = anchorOf(page.batches[record.a[0]], record.a[1], record.a[2], hashes)
    return parseIndexEntry({ v: 1, summary, envelopeCid: summary.cid, scope: summary.scope, epoch: record.e })
  })
  return { key: decoder.decode(keyBytes), entries }
}

function anchorOf(batch: BatchFields | undefined, refs: unknown, saltRef: unknown, hashes: readonly Hex[]): AnchorInfo {
  if (!batch || !Array.isArray(refs) || refs.length === 0) throw new VaultIndexCorruptError({ details: 'index page has a malformed anchor' })
  const [leaf, ...proof] = refs.map((ref) => {
    const hash = hashes[ref as number]
    if (hash === undefined) throw new VaultIndexCorruptError({ details: 'index page anchor points outside its hash table' })
    return hash
  }) as [Hex, ...Hex[]]
  if (saltRef === undefined) return { ...batch, leaf, proof }
  const salt = hashes[saltRef as number]
  if (salt === undefined) throw new VaultIndexCorruptError({ details: 'index page anchor salt points outside its hash table' })
  return { ...batch, leaf, proof, salt }
}
