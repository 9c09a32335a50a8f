import { openSmall, sealSmall } from '../../crypto/xchacha.ts'
import { isScope, type Scope } from '../scopes.ts'
import type { RecordSource, RecordSummary } from './types.ts'
import { VaultIndexCorruptError } from './vaultErrors.ts'

/** What one index row holds once opened. Epoch is kept per record so scope rotation can find old ones. */
export interface IndexEntry {
  v: 1
  summary: RecordSummary
  envelopeCid: string
  scope: Scope
  epoch: number
}

// Row bytes: u16 cid length || cid (utf-8) || XChaCha20-Poly1305(vaultKey, entry JSON, aad = cid).
// The cid is in clear so the row can be opened from loadAll() alone; the aad binds it.
const maxCidBytes = 256
const maxRowBytes = 256 * 1024
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const sources: ReadonlySet<RecordSource> = new Set(['form', 'import', 'restore', 'provider'])

export function sealIndexRow(vaultKey: Uint8Array, entry: IndexEntry): { cid: string; sealed: Uint8Array } {
  const cid = entry.summary.cid
  const cidBytes = encoder.encode(cid)
  const body = sealSmall(vaultKey, encoder.encode(JSON.stringify(entry)), cidBytes)
  const sealed = new Uint8Array(2 + cidBytes.byteLength + body.byteLength)
  new DataView(sealed.buffer).setUint16(0, cidBytes.byteLength)
  sealed.set(cidBytes, 2)
  sealed.set(body, 2 + cidBytes.byteLength)
  return { cid, sealed }
}

export function openIndexRow(vaultKey: Uint8Array, sealed: Uint8Array): IndexEntry {
  if (!(sealed instanceof Uint8Array) || sealed.byteLength < 2 || sealed.byteLength > maxRowBytes) {
    throw new VaultIndexCorruptError({ details: 'index row has an impossible size' })
  }
  const cidLength = new DataView(sealed.buffer, sealed.byteOffset, sealed.byteLength).getUint16(0)
  if (cidLength === 0 || cidLength > maxCidBytes || 2 + cidLength > sealed.byteLength) {
    throw new VaultIndexCorruptError({ details: 'index row has a bad cid length' })
  }
  const cidBytes = sealed.subarray(2, 2 + cidLength)
  let plaintext: Uint8Array
  try {
    plaintext = openSmall(vaultKey, sealed.subarray(2 + cidLength), cidBytes)
  } catch (cause) {
    throw new VaultIndexCorruptError({ cause })
  }
  const entry = parseIndexEntry(JSON.parse(decoder.decode(plaintext)))
  if (entry.summary.cid !== decoder.decode(cidBytes)) throw new VaultIndexCorruptError({ details: 'index row cid mismatch' })
  return entry
}

/** Shape check for entries from our own rows and from backup archives (authenticated, but checked anyway). */
export function parseIndexEntry(value: unknown): IndexEntry {
  const fail = (what: string): never => {
    throw new VaultIndexCorruptError({ details: `index entry: ${what}` })
  }
  if (typeof value !== 'object' || value === null) return fail('not an object')
  const e = value as Record<string, unknown>
  if (e.v !== 1) fail('unknown version')
  if (!isScope(e.scope)) fail('bad scope')
  if (typeof e.epoch !== 'number' || !Number.isSafeInteger(e.epoch) || e.epoch < 0) fail('bad epoch')
  if (typeof e.envelopeCid !== 'string') fail('bad envelope cid')
  const s = e.summary as Record<string, unknown> | null
  if (typeof s !== 'object' || s === null) return fail('no summary')
  for (const key of ['cid', 'resourceType', 'title', 'created', 'searchText'] as const) {
    if (typeof s[key] !== 'string') fail(`summary.${key}`)
  }
  if (s.cid !== e.envelopeCid || s.scope !== e.scope) fail('summary disagrees with entry')
  if (s.date !== undefined && typeof s.date !== 'string') fail('summary.date')
  if (!sources.has(s.source as RecordSource)) fail('summary.source')
  return value as IndexEntry
}
