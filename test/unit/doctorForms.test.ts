import { describe, expect, it } from 'vitest'
import {
  buildDiagnosis, buildDiagnosticReport, buildImmunizationGiven, buildPrescription, buildResult, buildVisitNote,
  maxReportAttachmentBytes, validateDoctorResource, visitDateOf,
} from '../../src/core/fhir/doctorForms.ts'
import { FhirValidationError, FormInputError } from '../../src/core/fhir/fhirErrors.ts'
import { scopeOfResource } from '../../src/core/fhir/scopeOfResource.ts'

const doctor = { account: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', name: 'Dr. Maria Rossi' }
const visit = { author: doctor, visitDate: '2026-11-30' }
const pdf = new Uint8Array([...new TextEncoder().encode('%PDF-1.4\n'), ...new Uint8Array(2000).fill(0x20)])
const expectedReference = { reference: `Practitioner/${doctor.account.toLowerCase()}`, type: 'Practitioner', display: 'Dr. Maria Rossi' }

describe('doctor forms', () => {
  it('build valid FHIR R4 with the doctor as author and the visit date, each in its scope', () => {
    const note = buildVisitNote({ ...visit, title: 'Follow-up', text: 'Feeling better.' })
    expect(note.author).toEqual([expectedReference])
    expect(note.context).toEqual({ period: { start: '2026-11-30' } })
    expect(scopeOfResource(note)).toBe('notes')
    const condition = buildDiagnosis({ ...visit, name: 'Hypertension' })
    expect(condition.recorder).toEqual(expectedReference)
    expect(condition.recordedDate).toBe('2026-11-30')
    expect(scopeOfResource(condition)).toBe('conditions')
    const result = buildResult({ ...visit, test: 'HbA1c', value: 6.1, unit: '%', referenceHigh: 6 })
    expect(result.performer).toEqual([expectedReference])
    expect(result.effectiveDateTime).toBe('2026-11-30')
    expect(scopeOfResource(result)).toBe('labs')
    const report = buildDiagnosticReport({ ...visit, title: 'Chest X-ray', imaging: true, file: { contentType: 'application/pdf', title: 'xray.pdf', bytes: pdf } })
    const form = (report.presentedForm as { data: string; size: number; contentType: string }[])[0]!
    expect(form.contentType).toBe('application/pdf')
    expect(form.size).toBe(pdf.byteLength)
    expect(Uint8Array.from(atob(form.data), (c) => c.charCodeAt(0))).toEqual(pdf)
    expect(scopeOfResource(report)).toBe('imaging')
    const immunization = buildImmunizationGiven({ ...visit, vaccine: 'Influenza 2026/27', lotNumber: 'A12', doseNumber: 1 })
    expect(immunization.performer).toEqual([{ actor: expectedReference }])
    expect(immunization.occurrenceDateTime).toBe('2026-11-30')
    expect(scopeOfResource(immunization)).toBe('immunizations')
    const prescription = buildPrescription({
      ...visit, medication: 'Amoxicillin 500 mg', dose: { value: 1, unit: 'tablet' }, route: 'oral',
      frequency: { times: 3, period: 1, periodUnit: 'd' }, durationDays: 7, repeats: 1, instructions: 'with food',
    })
    expect(prescription.requester).toEqual(expectedReference)
    expect(prescription.authoredOn).toBe('2026-11-30')
    const dosage = (prescription.dosageInstruction as Record<string, unknown>[])[0]!
    expect(dosage.timing).toEqual({ repeat: { boundsDuration: { value: 7, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' }, frequency: 3, period: 1, periodUnit: 'd' } })
    expect(dosage.route).toEqual({ text: 'oral' })
    expect(dosage.doseAndRate).toEqual([{ doseQuantity: { value: 1, unit: 'tablet' } }])
    expect(dosage.text).toBe('1 tablet oral, 3 times every day, for 7 days, with food')
    expect((prescription.dispenseRequest as { numberOfRepeatsAllowed: number }).numberOfRepeatsAllowed).toBe(1)
    expect(scopeOfResource(prescription)).toBe('prescriptions')
    for (const resource of [note, condition, result, report, immunization, prescription]) {
      expect(validateDoctorResource(JSON.parse(JSON.stringify(resource)), doctor.account)).toEqual(resource)
      expect(visitDateOf(resource)).toBe('2026-11-30')
    }
  })

  it('refuses bad input with a sentence naming the field', () => {
    const cases: [() => unknown, string][] = [
      [() => buildVisitNote({ ...visit, title: 'x', text: '  ' }), 'text'],
      [() => buildVisitNote({ author: { account: 'nobody', name: 'X' }, visitDate: '2026-11-30', title: 'x', text: 'y' }), 'author'],
      [() => buildDiagnosis({ ...visit, visitDate: '30/11/2026', name: 'x' }), 'visitDate'],
      [() => buildDiagnosis({ ...visit, name: 'x', clinicalStatus: 'cured' }), 'clinicalStatus'],
      [() => buildResult({ ...visit, test: 'x', value: Number.NaN, unit: '%' }), 'value'],
      [() => buildDiagnosticReport({ ...visit, title: 'x', file: { contentType: 'application/pdf', title: 'a.pdf', bytes: new Uint8Array([1, 2, 3]) } }), 'file'],
      [() => buildDiagnosticReport({ ...visit, title: 'x', file: { contentType: 'text/html', title: 'a.html', bytes: pdf } }), 'file'],
      [() => buildDiagnosticReport({ ...visit, title: 'x', file: { contentType: 'application/pdf', title: 'a.pdf', bytes: new Uint8Array(maxReportAttachmentBytes + 1).fill(0x25) } }), 'file'],
      [() => buildImmunizationGiven({ ...visit, vaccine: 'x', doseNumber: 0 }), 'doseNumber'],
      [() => buildPrescription({ ...visit, medication: 'x', dose: { value: 0, unit: 'mg' }, route: 'oral', frequency: { times: 1, period: 1, periodUnit: 'd' }, durationDays: 5, repeats: 0 }), 'dose'],
      [() => buildPrescription({ ...visit, medication: 'x', dose: { value: 1, unit: 'mg' }, route: 'oral', frequency: { times: 1, period: 1, periodUnit: 'fortnight' }, durationDays: 5, repeats: 0 }), 'frequency'],
      [() => buildPrescription({ ...visit, medication: 'x', dose: { value: 1, unit: 'mg' }, route: 'oral', frequency: { times: 1, period: 1, periodUnit: 'd' }, durationDays: 0, repeats: 0 }), 'durationDays'],
      [() => buildPrescription({ ...visit, medication: 'x', dose: { value: 1, unit: 'mg' }, route: 'oral', frequency: { times: 1, period: 1, periodUnit: 'd' }, durationDays: 5, repeats: -1 }), 'repeats'],
    ]
    for (const [build, field] of cases) {
      const error = (() => {
        try {
          build()
        } catch (caught) {
          return caught
        }
        throw new Error(`no error for ${field}`)
      })()
      expect(error).toBeInstanceOf(FormInputError)
      expect((error as FormInputError).field).toBe(field)
      expect((error as FormInputError).shortMessage.length).toBeGreaterThan(10)
    }
  })

  it('the patient side refuses a resource that is not a doctor’s, malformed, or by someone else', () => {
    const condition = buildDiagnosis({ ...visit, name: 'Asthma' })
    expect(() => validateDoctorResource(condition, '0x0000000000000000000000000000000000000001')).toThrow(FhirValidationError)
    expect(() => validateDoctorResource({ ...condition, clinicalStatus: 'active' }, doctor.account)).toThrow(FhirValidationError)
    expect(() => validateDoctorResource({ resourceType: 'Patient', id: 'x' }, doctor.account)).toThrow(/not a kind of record a doctor may write back/)
    expect(() => validateDoctorResource({ ...condition, subject: { reference: 'Patient/123' } }, doctor.account)).toThrow(/not the patient/)
    expect(() => validateDoctorResource('nonsense', doctor.account)).toThrow(FhirValidationError)
  })
})
