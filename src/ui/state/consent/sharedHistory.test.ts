import { describe, expect, it } from 'vitest'
import type { FhirResource } from '../../../core/fhir/fhirTypes.ts'
import type { Scope } from '../../../core/scopes.ts'
import type { SharedRecord } from '../../../flows/consent/openSharedRecords.ts'
import { firstScreen, groupSharedRecords } from './sharedHistory.ts'

let n = 0
function record(scope: Scope, title: string, resource: Record<string, unknown>, date?: string): SharedRecord {
  return { cid: `c${n++}`, scope, title, fields: [{ label: 'Note', value: `${title} note` }], resource: resource as FhirResource, ...(date ? { date } : {}) }
}
const status = (code: string) => ({ coding: [{ code }] })

describe('the doctor’s first screen and grouped history', () => {
  const records = [
    record('labs', 'Glucose', { resourceType: 'Observation', status: 'final' }, '2025-01-01'),
    record('allergies', 'Penicillin', { resourceType: 'AllergyIntolerance', clinicalStatus: status('active') }, '2001-01-01'),
    record('allergies', 'Latex (resolved)', { resourceType: 'AllergyIntolerance', clinicalStatus: status('resolved') }),
    record('allergies', 'Peanut (refuted)', { resourceType: 'AllergyIntolerance', verificationStatus: status('refuted') }),
    record('medications', 'Metformin', { resourceType: 'MedicationRequest', status: 'active' }, '2020-01-01'),
    record('medications', 'Amoxicillin', { resourceType: 'MedicationRequest', status: 'stopped' }, '2019-01-01'),
    record('medications', 'Lisinopril', { resourceType: 'MedicationStatement', status: 'active' }, '2021-01-01'),
    record('conditions', 'Diabetes', { resourceType: 'Condition', clinicalStatus: status('active') }, '2009-01-01'),
    record('conditions', 'Sinusitis', { resourceType: 'Condition', clinicalStatus: status('resolved') }, '2015-01-01'),
  ]

  it('shows active allergies, current medications and active problems only, newest first', () => {
    const screen = firstScreen(records)
    expect(screen.allergies.map((r) => r.title)).toEqual(['Penicillin'])
    expect(screen.medications.map((r) => r.title)).toEqual(['Lisinopril', 'Metformin'])
    expect(screen.problems.map((r) => r.title)).toEqual(['Diabetes'])
  })

  it('groups every record by kind in the scopes’ order and searches titles, kinds and fields', () => {
    expect(groupSharedRecords(records).map((g) => [g.label, g.records.length])).toEqual([
      ['Allergies', 3],
      ['Medications', 3],
      ['Conditions', 2],
      ['Lab results', 1],
    ])
    expect(groupSharedRecords(records, 'PENI').flatMap((g) => g.records.map((r) => r.title))).toEqual(['Penicillin'])
    expect(groupSharedRecords(records, 'lab glucose').flatMap((g) => g.records.map((r) => r.title))).toEqual(['Glucose'])
    expect(groupSharedRecords(records, 'resolved note').flatMap((g) => g.records.map((r) => r.title))).toEqual(['Latex (resolved)'])
    expect(groupSharedRecords(records, 'nothing like this')).toEqual([])
  })
})
