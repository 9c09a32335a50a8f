import { describe, expect, it } from 'vitest'
import { describeResource } from '../../src/core/fhir/describeResource.ts'
import { FormInputError } from '../../src/core/fhir/fhirErrors.ts'
import {
  attachmentSha256Extension, buildAllergy, buildCondition, buildImmunization, buildLabResult, buildMedication, buildNote,
} from '../../src/core/fhir/recordForms.ts'
import { scopeOfResource } from '../../src/core/fhir/scopeOfResource.ts'
import { isUcumCode } from '../../src/core/fhir/ucum.ts'
import { validateResource } from '../../src/core/fhir/validateResource.ts'

function formError(build: () => unknown): FormInputError {
  try {
    build()
  } catch (error) {
    if (error instanceof FormInputError) return error
    throw error
  }
  throw new Error('expected a FormInputError')
}

const sha256 = Buffer.alloc(32, 1).toString('base64')

describe('record form builders', () => {
  const built = [
    buildAllergy({ substance: 'Penicillin', criticality: 'high', reaction: 'Hives', severity: 'moderate', onset: '2010', note: 'Since childhood' }),
    buildAllergy({ substance: '  Peanuts ' }),
    buildMedication({ name: 'Metformin 500 mg', dose: '1 tablet', frequency: 'twice a day', start: '2024-01-15', status: 'active' }),
    buildMedication({ name: 'Amoxicillin' }),
    buildCondition({ name: 'Asthma', clinicalStatus: 'remission', onset: '2001-06', note: 'Mild' }),
    buildLabResult({ test: 'HbA1c', value: 6.1, unit: '%', date: '2024-03-01', referenceLow: 4, referenceHigh: 5.6 }),
    buildLabResult({ test: 'Platelets', value: 250, unit: '10*9/L', date: '2024-03-01T08:30:00+01:00' }),
    buildImmunization({ vaccine: 'Influenza 2024', date: '2024-10-02', lotNumber: 'AB123', site: 'Left arm' }),
    buildNote({ title: 'Visit summary', text: 'Blood pressure fine.\nReturn in 6 months — ça va.', date: '2024-05-05' }),
    buildNote({ title: 'Scan', text: '', attachment: { contentType: 'application/pdf', size: 123_456, title: 'scan.pdf', sha256Base64: sha256 } }),
  ]

  it('builds resources that validate, each with a fresh id and the patient reference', () => {
    for (const resource of built) {
      expect(validateResource(structuredClone(resource))).toEqual(resource)
      expect(resource.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(resource.subject ?? resource.patient).toEqual({ reference: 'Patient/self' })
    }
    expect(new Set(built.map((resource) => resource.id)).size).toBe(built.length)
    expect(built.map(scopeOfResource)).toEqual(['allergies', 'allergies', 'medications', 'medications', 'conditions', 'labs', 'labs', 'immunizations', 'notes', 'notes'])
  })

  it('writes what the patient typed as text, never as invented codes', () => {
    const [allergy, peanuts, medication, , condition] = built
    expect(allergy!.code).toEqual({ text: 'Penicillin' })
    expect(peanuts!.code).toEqual({ text: 'Peanuts' })
    expect(allergy!.reaction).toEqual([{ manifestation: [{ text: 'Hives' }], severity: 'moderate' }])
    expect(allergy!.criticality).toBe('high')
    expect(allergy!.onsetDateTime).toBe('2010')
    expect(medication!.medicationCodeableConcept).toEqual({ text: 'Metformin 500 mg' })
    expect(medication!.dosage).toEqual([{ text: '1 tablet, twice a day' }])
    expect(medication!.effectivePeriod).toEqual({ start: '2024-01-15' })
    expect(condition!.clinicalStatus).toEqual({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'remission' }] })
    expect(JSON.stringify(built)).not.toMatch(/snomed|loinc|rxnorm/i)
  })

  it('labels lab units UCUM only when they are UCUM codes', () => {
    const percent = built[5]!
    expect(percent.category).toEqual([{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] }])
    expect(percent.valueQuantity).toEqual({ value: 6.1, unit: '%', system: 'http://unitsofmeasure.org', code: '%' })
    expect(percent.referenceRange).toEqual([{ low: { value: 4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' }, high: { value: 5.6, unit: '%', system: 'http://unitsofmeasure.org', code: '%' } }])
    expect(buildLabResult({ test: 'Heart rate', value: 60, unit: 'beats per minute', date: '2024' }).valueQuantity).toEqual({ value: 60, unit: 'beats per minute' })
    for (const unit of ['mg/dL', 'mmol/L', '10*3/uL', 'mm[Hg]', 'mL/min/{1.73_m2}', 'kg/m2', '[IU]/L', 'U/L', 'fL', '/min', 's-1', '1']) expect(isUcumCode(unit), unit).toBe(true)
    for (const unit of ['mmHg', 'IU/L', 'cells/uL', 'tablet', 'bpm', 'mg//dL', '(mg', 'mg per day', '']) expect(isUcumCode(unit), unit).toBe(false)
  })

  it('keeps a note readable and an attachment by reference, not inline', () => {
    const note = built[8]!
    const view = describeResource(note)
    expect(view.title).toBe('Visit summary')
    expect(view.date).toBe('2024-05-05')
    expect(view.fields).toContainEqual({ label: 'Text', value: 'Blood pressure fine.\nReturn in 6 months — ça va.' })
    const scan = built[9]!
    const content = scan.content as { attachment: Record<string, unknown> }[]
    expect(content).toHaveLength(1)
    expect(content[0]!.attachment).toEqual({
      contentType: 'application/pdf', url: 'salus:attachment', size: 123_456, title: 'scan.pdf',
      extension: [{ url: attachmentSha256Extension, valueBase64Binary: sha256 }],
    })
    expect(content[0]!.attachment.data).toBeUndefined()
    expect(describeResource(scan).fields).toContainEqual({ label: 'Attachment', value: 'scan.pdf, application/pdf, 121 KB' })
  })

  it('marks a medication with a past end date completed', () => {
    expect(buildMedication({ name: 'Amoxicillin', start: '2020-01-01', end: '2020-01-10' }).status).toBe('completed')
    expect(buildMedication({ name: 'Amoxicillin', start: '2020-01-01', end: '2999-01-10' }).status).toBe('active')
  })

  it.each([
    [() => buildAllergy({ substance: '  ' }), 'substance', 'Please enter the substance.'],
    [() => buildAllergy({ substance: 'x'.repeat(201) }), 'substance', 'too long'],
    [() => buildAllergy({ substance: 'Latex', criticality: 'very' }), 'criticality', 'must be one of: low, high, unable-to-assess'],
    [() => buildAllergy({ substance: 'Latex', severity: 'mild' }), 'reaction', 'Describe the reaction'],
    [() => buildAllergy({ substance: 'Latex', onset: '15/03/2020' }), 'onset', 'must be a date'],
    [() => buildAllergy({ substance: 'Latex', onset: '2999-01-01' }), 'onset', 'cannot be in the future'],
    [() => buildMedication({ name: '' }), 'name', 'Please enter the medication name.'],
    [() => buildMedication({ name: 'X', start: '2024-02-01', end: '2024-01-01' }), 'end', 'must not be before the start'],
    [() => buildMedication({ name: 'X', status: 'entered-in-error' }), 'status', 'must be one of'],
    [() => buildCondition({ name: 'Asthma', clinicalStatus: 'cured' }), 'clinicalStatus', 'must be one of'],
    [() => buildLabResult({ test: 'Glucose', value: Number.NaN, unit: 'mmol/L', date: '2024' }), 'value', 'must be a number'],
    [() => buildLabResult({ test: 'Glucose', value: 5, unit: '', date: '2024' }), 'unit', 'Please enter the unit.'],
    [() => buildLabResult({ test: 'Glucose', value: 5, unit: 'mmol/L', date: '' }), 'date', 'Please enter the test date.'],
    [() => buildLabResult({ test: 'Glucose', value: 5, unit: 'mmol/L', date: '2024', referenceLow: 6, referenceHigh: 4 }), 'referenceHigh', 'must not be below'],
    [() => buildImmunization({ vaccine: 'Flu', date: '2024-13-01' }), 'date', 'must be a date'],
    [() => buildNote({ title: 'Empty', text: ' ' }), 'text', 'Please enter the note.'],
    [() => buildNote({ title: '', text: 'x' }), 'title', 'Please enter the title.'],
    [() => buildNote({ title: 'T', text: 'x', attachment: { contentType: 'pdf', size: 1, title: 'a.pdf' } }), 'attachment', 'media type'],
    [() => buildNote({ title: 'T', text: 'x', attachment: { contentType: 'application/pdf', size: -1, title: 'a.pdf' } }), 'attachment', 'whole number'],
    [() => buildNote({ title: 'T', text: 'x', attachment: { contentType: 'application/pdf', size: 1, title: 'a.pdf', sha256Base64: 'abc' } }), 'attachment', 'SHA-256'],
  ])('refuses bad input with a sentence naming the field (%#)', (build, field, sentence) => {
    const error = formError(build)
    expect(error.name).toBe('FormInputError')
    expect(error.field).toBe(field)
    expect(error.shortMessage).toContain(sentence)
  })
})
