import { referenceMatches } from '../fhir/recordLinks.ts'
import type { RecordSummary } from './types.ts'

export type RelatedRecords = {
  /** What this record points to: a diagnosis's encounter, a claim's prescription. */
  pointsTo: RecordSummary[]
  /** What points to it: an encounter's diagnoses, procedures, results, prescriptions, notes and claims. */
  pointedFrom: RecordSummary[]
}

/**
 * The records linked to one record, both ways, among `records` (current versions). Works from the
 * index alone (`fhirRef`, `refs`), so an encounter's links show without decrypting anything.
 */
export function relatedRecords(record: RecordSummary, records: readonly RecordSummary[]): RelatedRecords {
  const own = record.fhirRef
  const refs = record.refs ?? []
  const pointsTo: RecordSummary[] = []
  const pointedFrom: RecordSummary[] = []
  for (const other of records) {
    if (other.cid === record.cid) continue
    if (other.fhirRef && refs.some((ref) => referenceMatches(ref, other.fhirRef as string))) pointsTo.push(other)
    else if (own && other.refs?.some((ref) => referenceMatches(ref, own))) pointedFrom.push(other)
  }
  return { pointsTo, pointedFrom }
}

/** How many records each record is linked with (both ways), for a whole list at once: O(records × refs). */
export function linkCounts(records: readonly RecordSummary[]): Map<string, number> {
  const byRef = new Map<string, RecordSummary>()
  for (const record of records) {
    if (!record.fhirRef) continue
    byRef.set(record.fhirRef, record)
    // Synthea's urn:uuid references carry the id alone.
    byRef.set(`urn:uuid:${record.fhirRef.slice(record.fhirRef.indexOf('/') + 1)}`, record)
  }
  const counts = new Map<string, number>()
  const bump = (cid: string) => counts.set(cid, (counts.get(cid) ?? 0) + 1)
  for (const record of records) {
    const seen = new Set<string>()
    for (const ref of record.refs ?? []) {
      const target = byRef.get(ref)
      if (!target || target.cid === record.cid || seen.has(target.cid)) continue
      seen.add(target.cid)
      bump(target.cid)
      bump(record.cid)
    }
  }
  return counts
}
