import { recordCategories, recordCategoryOf, type RecordCategory } from '../../core/fhir/recordCategories.ts'
import { linkCounts } from '../../core/vault/relatedRecords.ts'
import type { RecordSummary } from '../../core/vault/types.ts'
import { newestFirst } from './groupRecords.ts'

export type TimelineEntry = { record: RecordSummary; category: RecordCategory; categoryLabel: string; links: number }
export type TimelineYear = { year: string; entries: TimelineEntry[] }
export type Timeline = {
  years: TimelineYear[]
  /** Every category present (before the filter), with its count, in the order of `recordCategories`. */
  categories: { id: RecordCategory; label: string; count: number }[]
  shown: number
}

/**
 * The whole history newest first, by year (undated records last), filtered to one category and
 * to the records a search matched (`matches`: cids; undefined = no search).
 */
export function buildTimeline(records: readonly RecordSummary[], p: { category?: RecordCategory | ''; matches?: ReadonlySet<string> }): Timeline {
  const links = linkCounts(records)
  const counts = new Map<RecordCategory, number>()
  const entries: TimelineEntry[] = []
  for (const record of records) {
    const category = recordCategoryOf(record)
    counts.set(category, (counts.get(category) ?? 0) + 1)
    if (p.category && category !== p.category) continue
    if (p.matches && !p.matches.has(record.cid)) continue
    const categoryLabel = recordCategories.find((item) => item.id === category)?.label ?? category
    entries.push({ record, category, categoryLabel, links: links.get(record.cid) ?? 0 })
  }
  // At the same moment, the visit comes first: what follows happened in it.
  entries.sort((a, b) => (a.record.date === b.record.date && (a.category === 'visits') !== (b.category === 'visits') ? (a.category === 'visits' ? -1 : 1) : newestFirst(a.record, b.record)))
  const years: TimelineYear[] = []
  for (const entry of entries) {
    const year = /^\d{4}/.exec(entry.record.date ?? '')?.[0] ?? 'Undated'
    const last = years[years.length - 1]
    if (last?.year === year) last.entries.push(entry)
    else years.push({ year, entries: [entry] })
  }
  const categories = recordCategories.filter(({ id }) => counts.has(id)).map(({ id, label }) => ({ id, label, count: counts.get(id) ?? 0 }))
  return { years, categories, shown: entries.length }
}
