import type { ImportPlan, PlannedRecord, RejectedItem } from './importPlan.ts'

export type ChooseRecordsParameters = {
  /** The person in the file the patient said is them; undefined when the file names nobody. */
  personKey: string | undefined
  /** Fingerprints of the records already in the vault. */
  existingFingerprints: ReadonlySet<string>
}
export type ChooseRecordsReturnType = { toStore: PlannedRecord[]; setAside: (RejectedItem & { person: string })[]; duplicates: number }

/**
 * Which planned records to store: those about the chosen person (and, when the file names
 * at most one person, those whose person could not be told), each once and only when the
 * vault does not hold it yet. Records about anyone else are set aside with a reason.
 */
export function chooseRecords(plan: ImportPlan, p: ChooseRecordsParameters): ChooseRecordsReturnType {
  const names = new Map(plan.people.map((person) => [person.key, person.name]))
  const result: ChooseRecordsReturnType = { toStore: [], setAside: [], duplicates: 0 }
  const seen = new Set(p.existingFingerprints)
  const oneOrNobody = plan.people.length <= 1
  for (const record of plan.records) {
    const about = record.personKey
    if (about !== p.personKey && !(about === undefined && oneOrNobody)) {
      const person = about === undefined ? 'someone the file does not name' : (names.get(about) ?? about)
      const reason = about === undefined
        ? 'The file is about several people and this record does not say whom it is about, so it was set aside, not stored.'
        : `This record is about ${person}, not the person you chose, so it was set aside, not stored.`
      result.setAside.push({ item: record.item, reason, person })
      continue
    }
    if (seen.has(record.fingerprint)) {
      result.duplicates += 1
      continue
    }
    seen.add(record.fingerprint)
    result.toStore.push(record)
  }
  return result
}
