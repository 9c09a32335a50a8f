import { recordCategories, recordCategoryOf, type RecordCategory } from '../../core/fhir/recordCategories.ts'
import type { RecordSummary } from '../../core/vault/types.ts'

export type RecordGroup = { category: RecordCategory; label: string; records: RecordSummary[] }

/**
 * Records by what they are (visits, conditions, results, …, in the order of `recordCategories`;
 * an Encounter is a visit whatever scope it is shared under), each group newest clinical date
 * first, undated last.
 */
export function groupRecords(records: readonly RecordSummary[]): RecordGroup[] {
  const byCategory = new Map<RecordCategory, RecordSummary[]>()
  for (const record of records) {
    const category = recordCategoryOf(record)
    const group = byCategory.get(category)
    if (group) group.push(record)
    else byCategory.set(category, [record])
  }
  const groups: RecordGroup[] = []
  for (const { id, label } of recordCategories) {
    const group = byCategory.get(id)
    if (group) groups.push({ category: id, label, records: group.sort(newestFirst) })
  }
  return groups
}

export function newestFirst(a: RecordSummary, b: RecordSummary): number {
  const ka = a.date ?? ''
  const kb = b.date ?? ''
  if (ka !== kb) return ka < kb ? 1 : -1
  return a.created < b.created ? 1 : a.created > b.created ? -1 : 0
}
