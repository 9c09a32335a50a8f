import { scopeLabels, scopes, type Scope } from '../../core/scopes.ts'
import type { RecordSummary } from '../../core/vault/types.ts'

export type RecordGroup = { scope: Scope; label: string; records: RecordSummary[] }

/** Records by scope in the order of `scopes`, each group newest clinical date first (undated last). */
export function groupRecords(records: readonly RecordSummary[]): RecordGroup[] {
  const byScope = new Map<Scope, RecordSummary[]>()
  for (const record of records) {
    const group = byScope.get(record.scope)
    if (group) group.push(record)
    else byScope.set(record.scope, [record])
  }
  const groups: RecordGroup[] = []
  for (const scope of scopes) {
    const group = byScope.get(scope)
    if (group) groups.push({ scope, label: scopeLabels[scope], records: group.sort(newestFirst) })
  }
  return groups
}

function newestFirst(a: RecordSummary, b: RecordSummary): number {
  const ka = a.date ?? ''
  const kb = b.date ?? ''
  if (ka !== kb) return ka < kb ? 1 : -1
  return a.created < b.created ? 1 : a.created > b.created ? -1 : 0
}
