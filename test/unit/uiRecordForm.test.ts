import { describe, expect, it } from 'vitest'
import { validateRecordForm, localToday } from '../../src/ui/state/validateRecordForm.ts'
import { groupRecords } from '../../src/ui/state/groupRecords.ts'
import { explainWalletError } from '../../src/ui/state/explainWalletError.ts'
import type { RecordSummary } from '../../src/core/vault/types.ts'

const today = '2025-06-01'

describe('validateRecordForm', () => {
  it('names the missing field and what to enter', () => {
    const errors = validateRecordForm('allergy', { substance: '  ' }, undefined, today)
    expect(errors.substance).toMatch(/^Substance is required\. .*Penicillin/)
    expect(Object.keys(errors)).toEqual(['substance'])
  })

  it('refuses a non-numeric lab value, a future date and a missing test date', () => {
    expect(validateRecordForm('labResult', { test: 'HbA1c', value: '6.5 %', unit: '%', date: '2025-06-02' }, undefined, today)).toEqual({
      value: expect.stringMatching(/must be a number/),
      date: expect.stringMatching(/in the future/),
    })
    expect(validateRecordForm('labResult', { test: 'HbA1c', value: '6.5', unit: '%' }, undefined, today)).toEqual({
      date: expect.stringMatching(/^Date is required/),
    })
    expect(validateRecordForm('labResult', { test: 'HbA1c', value: '-0.5e2', unit: '%', date: '2025-05-31' }, undefined, today)).toEqual({})
  })

  it('accepts a note with only a PDF, and refuses wrong or oversized attachments', () => {
    const pdf = { name: 'letter.pdf', size: 1000, type: 'application/pdf' }
    expect(validateRecordForm('note', { title: 'Letter' }, pdf, today)).toEqual({})
    expect(validateRecordForm('note', { title: 'Letter' }, undefined, today).text).toMatch(/text or attach a file/)
    expect(validateRecordForm('note', { title: 'x' }, { ...pdf, size: 100 * 1024 * 1024 + 1 }, today).attachment).toMatch(/larger than 100 MB/)
    expect(validateRecordForm('note', { title: 'x' }, { name: 'a.exe', size: 10, type: 'application/x-msdownload' }, today).attachment).toMatch(/not a PDF or an image/)
    expect(validateRecordForm('note', { title: 'x' }, { name: 'scan.png', size: 10, type: 'image/png' }, today)).toEqual({})
  })

  it('gives today in the local time zone as YYYY-MM-DD', () => {
    expect(localToday()).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })
})

describe('groupRecords', () => {
  const record = (cid: string, scope: RecordSummary['scope'], date?: string): RecordSummary => ({
    cid,
    scope,
    resourceType: 'X',
    title: cid,
    created: '2025-01-01T00:00:00Z',
    source: 'form',
    searchText: cid,
    ...(date ? { date } : {}),
  })

  it('groups by kind of record and sorts newest first with undated records last', () => {
    const groups = groupRecords([
      record('old-lab', 'labs', '2020-01-01'),
      record('penicillin', 'allergies', '2019'),
      record('undated-lab', 'labs'),
      record('new-lab', 'labs', '2024-03-05T10:00:00Z'),
    ])
    expect(groups.map((group) => group.label)).toEqual(['Allergies', 'Lab results'])
    expect(groups[1]?.records.map((r) => r.cid)).toEqual(['new-lab', 'old-lab', 'undated-lab'])
  })
})

describe('explainWalletError', () => {
  it('recognises a rejected request inside viem-style causes', () => {
    const error = Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('User rejected'), { code: 4001 }) })
    expect(explainWalletError(error)).toMatch(/declined the request/)
    expect(explainWalletError(new Error('boom'))).toMatch(/could not sign: boom/)
  })
})

describe('buildFormResource', () => {
  it('turns every kind of form into valid FHIR R4 through core builders', async () => {
    const { buildFormResource } = await import('../../src/ui/state/buildFormResource.ts')
    const day = '2024-02-03'
    expect(buildFormResource('allergy', { substance: 'Penicillin', reaction: 'Hives', severity: 'mild', onset: day })).toMatchObject({
      resourceType: 'AllergyIntolerance',
      code: { text: 'Penicillin' },
      onsetDateTime: day,
    })
    expect(buildFormResource('medication', { name: 'Metformin', dose: '500 mg', frequency: 'twice a day', start: day })).toMatchObject({
      resourceType: 'MedicationStatement',
      dosage: [{ text: '500 mg, twice a day' }],
    })
    expect(buildFormResource('condition', { name: 'Asthma', clinicalStatus: 'resolved' })).toMatchObject({ resourceType: 'Condition' })
    expect(buildFormResource('labResult', { test: 'HbA1c', value: '6.1', unit: '%', date: day })).toMatchObject({
      resourceType: 'Observation',
      valueQuantity: { value: 6.1, unit: '%' },
    })
    expect(buildFormResource('immunization', { vaccine: 'Tetanus', date: day })).toMatchObject({ resourceType: 'Immunization' })
    const note = buildFormResource('note', { title: 'Scan', text: '' }, { name: 'scan.pdf', size: 1234, type: 'application/pdf' })
    expect(note).toMatchObject({ resourceType: 'DocumentReference', content: [{ attachment: { contentType: 'application/pdf', title: 'scan.pdf' } }] })
  })

  it('lets the builder name the field when a rule only core knows is broken', async () => {
    const { buildFormResource } = await import('../../src/ui/state/buildFormResource.ts')
    expect(() => buildFormResource('allergy', { substance: 'Nuts', severity: 'severe' })).toThrowError(
      expect.objectContaining({ name: 'FormInputError', field: 'reaction' }),
    )
  })
})
