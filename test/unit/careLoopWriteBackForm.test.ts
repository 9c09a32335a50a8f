import { describe, expect, it } from 'vitest'
import { FormInputError } from '../../src/core/fhir/fhirErrors.ts'
import { writeBackResource, writeBackTitle } from '../../src/ui/state/careLoop/writeBackForm.ts'

const context = { author: { account: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', name: 'Dr. Amara Okafor' }, visitDate: '2026-12-01' }

describe('the doctor’s write-back form', () => {
  it('builds a prescription from what number inputs bind (numbers) and text inputs (strings)', () => {
    const fields = { medication: 'Ramipril 5 mg tablet', doseValue: 5, doseUnit: 'mg', route: 'oral', times: 1, period: 1, periodUnit: 'd', durationDays: 90, repeats: 2 }
    const resource = writeBackResource('prescription', fields, context) as Record<string, unknown>
    expect(resource.resourceType).toBe('MedicationRequest')
    expect(JSON.stringify(resource)).toContain('Ramipril')
    expect(writeBackTitle('prescription', fields)).toBe('Prescription: Ramipril 5 mg tablet')
  })

  it('says which field is missing, and asks for a file for a report', () => {
    expect(() => writeBackResource('note', { title: 'Follow-up' }, context)).toThrow(FormInputError)
    expect(() => writeBackResource('prescription', { medication: 'Ramipril', doseValue: '', doseUnit: 'mg', route: 'oral' }, context)).toThrow(FormInputError)
    expect(() => writeBackResource('report', { title: 'Echo' }, context)).toThrow(/PDF or image/)
  })
})
