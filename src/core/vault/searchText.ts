import type { RecordSummary } from './types.ts'

/** Lower-cased, whitespace-collapsed text searched by `Vault.search`; computed once per record. */
export function buildSearchText(parts: readonly (string | undefined)[]): string {
  return parts
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .join(' ')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
}

export function queryWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean)
}

/** True when every word of the query occurs in the record's search text. */
export function matchesWords(summary: RecordSummary, words: readonly string[]): boolean {
  for (const word of words) if (!summary.searchText.includes(word)) return false
  return true
}

/** Newest clinical date first (records without one by when they were added), then newest added. */
export function compareSummaries(a: RecordSummary, b: RecordSummary): number {
  const ad = a.date ?? a.created
  const bd = b.date ?? b.created
  if (ad !== bd) return ad < bd ? 1 : -1
  if (a.created !== b.created) return a.created < b.created ? 1 : -1
  return a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0
}
