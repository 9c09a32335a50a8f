import { isScope, type Scope } from '../scopes.ts'
import type { RecordSource, RecordSummary } from './types.ts'
import { VaultIndexCorruptError } from './vaultErrors.ts'
import { provenanceShapeError } from './provenance.ts'

/** One record in the index (and in a backup archive). Epoch is kept per record so scope rotation can find old ones. */
export interface IndexEntry {
  v: 1
  summary: RecordSummary
  envelopeCid: string
  scope: Scope
  epoch: number
}

const sources: ReadonlySet<RecordSource> = new Set(['form', 'import', 'restore', 'provider'])

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
  if (s.provenance !== undefined) {
    const problem = provenanceShapeError(s.provenance)
    if (problem) fail(`summary.provenance.${problem}`)
  }
  if (s.fhirRef !== undefined && typeof s.fhirRef !== 'string') fail('summary.fhirRef')
  if (s.refs !== undefined && (!Array.isArray(s.refs) || !s.refs.every((ref) => typeof ref === 'string'))) fail('summary.refs')
  for (const key of ['versionOf', 'replaces', 'fingerprint'] as const) {
    if (s[key] !== undefined && typeof s[key] !== 'string') fail(`summary.${key}`)
  }
  if (s.status !== undefined) {
    const st = s.status as Record<string, unknown> | null
    if (typeof st !== 'object' || st === null) return fail('summary.status')
    if (st.state !== 'superseded' && st.state !== 'withdrawn') fail('summary.status.state')
    if (typeof st.at !== 'string' || typeof st.by !== 'string') fail('summary.status.at/by')
    if (st.state === 'superseded' && typeof st.replacedBy !== 'string') fail('summary.status.replacedBy')
  }
  return value as IndexEntry
}
