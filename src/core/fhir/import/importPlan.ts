import type { Scope } from '../../scopes.ts'
import type { FhirResource } from '../fhirTypes.ts'

/** Someone a file is about: a Patient resource in it, or a patient its records point to. */
export type ImportPerson = {
  key: string
  name: string
  birthDate?: string
  gender?: string
  /** "system|value" of each identifier. */
  identifiers: string[]
  /** How many planned records are about this person. */
  records: number
}

export type PlannedRecord = {
  /** Where it came from, for people: "file.json entry 12 (Condition)". */
  item: string
  resource: FhirResource
  scope: Scope
  title: string
  date?: string
  /** The person the record is about; undefined = could not tell. */
  personKey?: string
  /** Same record imported twice => same fingerprint (see recordFingerprint). */
  fingerprint: string
}

export type RejectedItem = { item: string; reason: string }

export type SmartHealthCardVerification = { kind: 'smart-health-card'; verified: boolean; issuer: string; detail: string }

export type ImportPlan = {
  fileName: string
  people: ImportPerson[]
  records: PlannedRecord[]
  rejected: RejectedItem[]
  /** Practitioner, Organization, Location, Medication… kept inside the records that point to them. */
  context: number
  verification?: SmartHealthCardVerification
}
