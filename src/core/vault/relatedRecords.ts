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
