import { scopeLabels, scopes, type Scope } from '../../../core/scopes.ts'
import type { SharedRecord } from '../../../flows/consent/openSharedRecords.ts'

/** What a doctor reads first: the patient's allergies, current medications and active problems. */
export type FirstScreen = { allergies: SharedRecord[]; medications: SharedRecord[]; problems: SharedRecord[] }

export type SharedRecordGroup = { scope: Scope; label: string; records: SharedRecord[] }

/** Statuses of a medication the patient takes now (MedicationStatement, MedicationRequest, …). */
const currentMedication = new Set(['active', 'intended', 'on-hold', 'unknown', 'draft'])
/** Clinical statuses of an allergy or problem that still holds. */
const stillHolds = new Set(['active', 'recurrence', 'relapse'])
/** Verification statuses that mean the record does not hold. */
const notTrue = new Set(['refuted', 'entered-in-error'])

/**
 * The first screen: allergies that are not inactive, resolved, refuted or entered in
 * error; medications whose status is current; conditions that are active (or say
 * nothing about it). Each newest first.
 */
export function firstScreen(records: readonly SharedRecord[]): FirstScreen {
  const screen: FirstScreen = { allergies: [], medications: [], problems: [] }
  for (const record of records) {
    const resource = record.resource as { resourceType: string; status?: unknown; clinicalStatus?: unknown; verificationStatus?: unknown }
    if (notTrue.has(codeOf(resource.verificationStatus) ?? '')) continue
    if (record.scope === 'allergies' && resource.resourceType === 'AllergyIntolerance') {
      const clinical = codeOf(resource.clinicalStatus)
      if (!clinical || stillHolds.has(clinical)) screen.allergies.push(record)
    } else if (record.scope === 'medications' && resource.resourceType.startsWith('Medication')) {
      if (resource.resourceType === 'MedicationAdministration' || resource.resourceType === 'MedicationDispense') continue
      const status = typeof resource.status === 'string' ? resource.status : undefined
      if (!status || currentMedication.has(status)) screen.medications.push(record)
    } else if (record.scope === 'conditions' && resource.resourceType === 'Condition') {
      const clinical = codeOf(resource.clinicalStatus)
      if (!clinical || stillHolds.has(clinical)) screen.problems.push(record)
    }
  }
  screen.allergies.sort(newestFirst)
  screen.medications.sort(newestFirst)
  screen.problems.sort(newestFirst)
  return screen
}

/**
 * Every record by kind (the scopes' order), newest first in each, keeping those whose
 * title, kind or shown fields contain every word of `query` (any case).
 */
export function groupSharedRecords(records: readonly SharedRecord[], query = ''): SharedRecordGroup[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  const byScope = new Map<Scope, SharedRecord[]>()
  for (const record of records) {
    if (words.length > 0) {
      const text = [record.title, scopeLabels[record.scope], record.date ?? '', ...record.fields.map((field) => `${field.label} ${field.value}`)].join(' ').toLowerCase()
      if (!words.every((word) => text.includes(word))) continue
    }
    const group = byScope.get(record.scope)
    if (group) group.push(record)
    else byScope.set(record.scope, [record])
  }
  return scopes.flatMap((scope) => {
    const group = byScope.get(scope)
    return group ? [{ scope, label: scopeLabels[scope], records: group.sort(newestFirst) }] : []
  })
}

function codeOf(concept: unknown): string | undefined {
  const coding = (concept as { coding?: { code?: unknown }[] } | undefined)?.coding
  const code = Array.isArray(coding) ? coding.find((c) => typeof c?.code === 'string')?.code : undefined
  return typeof code === 'string' ? code : undefined
}

function newestFirst(a: SharedRecord, b: SharedRecord): number {
  const ka = a.date ?? ''
  const kb = b.date ?? ''
  return ka === kb ? 0 : ka < kb ? 1 : -1
}
