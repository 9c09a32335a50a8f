import { describe, expect, it } from 'vitest'
import { buildPrescription } from '../../../src/core/fhir/doctorForms.ts'
import { FormInputError } from '../../../src/core/fhir/fhirErrors.ts'
import {
  buildMedicationDispense,
  buildPharmacyInvoice,
  buildRefusedDispense,
  invoiceReceipt,
  overriddenWarningsOf,
  prescriptionTokenText,
  withOverriddenWarnings,
  withPrescriptionToken,
  withoutPrescriptionToken,
} from '../../../src/core/pharmacy/pharmacyRecords.ts'

const doctor = { account: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc', name: 'Dr. Lukas Weber' }
const pharmacist = { account: '0x2546BcD3c84621e976D8185a91A922aE77ECEc30', name: 'Pharmacist Paula Reyes', pharmacy: 'Riverside Pharmacy' }
const request = () =>
  buildPrescription({
    author: doctor, visitDate: '2026-12-07', medication: 'Amoxicillin 500 mg capsule', dose: { value: 500, unit: 'mg' }, route: 'oral',
    frequency: { times: 3, period: 1, periodUnit: 'd' }, durationDays: 7, repeats: 1,
  })
const allergy = { rule: 'allergy' as const, severity: 'high' as const, message: 'Penicillin allergy recorded (AllergyIntolerance/a1): amoxicillin is a penicillin', recordRef: 'AllergyIntolerance/a1', source: 'Curated class table (BNF 5.1.1)' }

describe('prescription records', () => {
  it('keeps an overridden warning as a contained DetectedIssue with the reason as its mitigation', () => {
    const kept = withOverriddenWarnings(request(), [{ warning: allergy, reason: 'Rash as a child only; tolerated amoxicillin in 2024' }])
    expect(kept.detectedIssue).toEqual([{ reference: '#warning-1', display: 'Drug allergy alert' }])
    const issue = (kept.contained as Record<string, any>[])[0]!
    expect(issue).toMatchObject({ resourceType: 'DetectedIssue', severity: 'high', status: 'final', implicated: [{ display: 'AllergyIntolerance/a1' }] })
    expect(issue.mitigation[0].action.text).toContain('tolerated amoxicillin in 2024')
    expect(overriddenWarningsOf(kept)).toEqual([{ rule: 'allergy', severity: 'high', detail: allergy.message, reason: 'Rash as a child only; tolerated amoxicillin in 2024' }])
  })

  it('refuses to go on past a warning without a reason', () => {
    expect(() => withOverriddenWarnings(request(), [{ warning: allergy, reason: '  ' }])).toThrow(FormInputError)
  })

  it('carries the token in an extension and gives back the request its hash covers', () => {
    const plain = request()
    const kept = withPrescriptionToken(plain, 'rx:1234')
    expect(prescriptionTokenText(kept)).toBe('rx:1234')
    expect(withoutPrescriptionToken(kept)).toEqual(plain)
    expect(prescriptionTokenText(plain)).toBeUndefined()
  })

  it('builds a valid dispense, refusal, invoice and receipt', () => {
    const rxHash = `0x${'ab'.repeat(32)}`
    const dispense = buildMedicationDispense({ request: request(), rxHash, pharmacist, when: '2026-12-07T10:00:00Z', fill: 1, fills: 2 })
    expect(dispense).toMatchObject({ resourceType: 'MedicationDispense', status: 'completed', medicationCodeableConcept: { text: 'Amoxicillin 500 mg capsule' } })
    expect(() => buildRefusedDispense({ request: request(), rxHash, pharmacist, when: '2026-12-07T10:00:00Z', reason: '' })).toThrow(FormInputError)
    expect(buildRefusedDispense({ request: request(), rxHash, pharmacist, when: '2026-12-07T10:00:00Z', reason: 'Out of stock' })).toMatchObject({ status: 'declined', statusReasonCodeableConcept: { text: 'Out of stock' } })
    const invoice = buildPharmacyInvoice({ pharmacist, medication: 'Amoxicillin', amount: 12_000_000_000_000_000n, invoiceRef: '31337/0x00/1', rxHash, date: '2026-12-07T10:00:00Z' })
    expect(invoice).toMatchObject({ resourceType: 'Invoice', status: 'issued', totalGross: { value: 0.012, currency: 'ETH' } })
    expect(() => buildPharmacyInvoice({ pharmacist, medication: 'A', amount: 0n, invoiceRef: 'x', rxHash, date: '2026-12-07' })).toThrow(FormInputError)
    const receipt = invoiceReceipt(invoice, { txHash: `0x${'cd'.repeat(32)}`, covered: false, paidAt: '2026-12-07T10:05:00Z' })
    expect(receipt).toMatchObject({ status: 'balanced' })
    expect(JSON.stringify(receipt)).toContain('cdcd')
  })
})
