import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { describeResource, searchText } from '../../src/core/fhir/describeResource.ts'
import { toFhirJson, vaultBundle } from '../../src/core/fhir/exportFhir.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import { planFhirImport } from '../../src/core/fhir/import/planFhirImport.ts'
import { scopeOfResource } from '../../src/core/fhir/scopeOfResource.ts'
import { validateResource } from '../../src/core/fhir/validateResource.ts'

import { fhirFixtures } from '../support/fixtures.ts'
const fixtures = fhirFixtures
const fixtureNames = readdirSync(fixtures).filter((name) => name.endsWith('.json'))
const fixtureResources: FhirResource[] = (await Promise.all(fixtureNames.map((name) => planFhirImport(readFileSync(`${fixtures}/${name}`, 'utf8'), { fileName: name }))))
  .flatMap((plan) => plan.records.map((record) => record.resource))
// The import keeps Medication, Practitioner, Organization… inside the records that point to them.
const described = fixtureResources.flatMap((resource) => [resource, ...((resource.contained as FhirResource[] | undefined) ?? [])])
const byType = new Map<string, FhirResource[]>()
for (const resource of described) byType.set(resource.resourceType, [...(byType.get(resource.resourceType) ?? []), resource])
const field = (resource: FhirResource, label: string) => describeResource(resource).fields.find((item) => item.label === label)?.value

describe('scopeOfResource', () => {
  it.each([
    ['AllergyIntolerance', 'allergies'], ['MedicationStatement', 'medications'], ['Medication', 'medications'],
    ['MedicationAdministration', 'medications'], ['MedicationDispense', 'medications'], ['MedicationRequest', 'prescriptions'],
    ['Condition', 'conditions'], ['Procedure', 'procedures'], ['Observation', 'labs'], ['DiagnosticReport', 'labs'],
    ['ImagingStudy', 'imaging'], ['Immunization', 'immunizations'], ['DocumentReference', 'notes'], ['Communication', 'notes'],
    ['Patient', 'summary'], ['Composition', 'summary'], ['Device', 'summary'], ['Bundle', 'summary'], ['Consent', 'summary'],
    ['Flag', 'summary'], ['RelatedPerson', 'summary'], ['Practitioner', 'notes'], ['FamilyMemberHistory', 'notes'],
  ])('puts %s in %s', (resourceType, scope) => {
    expect(scopeOfResource({ resourceType })).toBe(scope)
  })

  it('puts imaging observations and reports in imaging', () => {
    const imaging = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'imaging' }] }
    expect(scopeOfResource({ resourceType: 'Observation', category: [imaging] })).toBe('imaging')
    const radiology = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD' }] }
    expect(scopeOfResource({ resourceType: 'DiagnosticReport', category: [radiology] })).toBe('imaging')
    const lab = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }
    expect(scopeOfResource({ resourceType: 'DiagnosticReport', category: [lab] })).toBe('labs')
  })
})

describe('describeResource', () => {
  it.each([...byType.keys()])('gives every fixture %s a title and facts', (resourceType) => {
    for (const resource of byType.get(resourceType)!) {
      const view = describeResource(resource)
      expect(view.title.trim().length).toBeGreaterThan(0)
      expect(view.fields.length).toBeGreaterThan(0)
      for (const item of view.fields) expect(item.value.trim().length).toBeGreaterThan(0)
      if (view.date !== undefined) expect(view.date).toMatch(/^\d{4}(-\d{2}(-\d{2}(T.+)?)?)?$/)
    }
  })

  it('shows the facts a clinician looks for', () => {
    const [penicillin] = byType.get('AllergyIntolerance')!.filter((item) => item.criticality === 'high')
    expect(describeResource(penicillin!)).toMatchObject({ title: expect.stringContaining('penicillin'), date: '2010' })
    expect(field(penicillin!, 'Criticality')).toBe('high')
    const hba1c = byType.get('Observation')!.find((item) => item.valueQuantity)!
    expect(describeResource(hba1c)).toMatchObject({ title: 'Hemoglobin A1c/Hemoglobin.total in Blood by HPLC', date: '2017-11-10T08:20:00+01:00' })
    expect(field(hba1c, 'Result')).toBe('7.5%')
    expect(field(byType.get('MedicationRequest')![0]!, 'Dosage')).toBe('40 mg/day')
    const judge = byType.get('Patient')!.find((item) => item.id === 'AAA1234')!
    expect(describeResource(judge).title).toBe('James Judge')
    expect(field(judge, 'Birth date')).toBe('1985-04-25')
    expect(field(judge, 'Emergency Contact')).toContain('07 853 9191')
    const summary = byType.get('Composition')!.find((item) => item.id === '514af4c1-194d-48b4-8afe-7be09d3f895a')!
    expect(field(summary, 'Immunizations')).toBe('2 entries')
    expect(field(summary, 'Allergies and Intolerances')).toMatch(/^No information/)
    expect(field(byType.get('Immunization')![0]!, 'Lot number')).toMatch(/^B52/)
    const remission = byType.get('Condition')!.find((item) => item.abatementDateTime)!
    expect(field(remission, 'Ended')).toBe('2015-03')
    expect(describeResource(byType.get('Consent')![0]!).title).toBe('Do Not Resuscitate')
  })

  it('describes types without fixtures, and unknown ones generically', () => {
    const device = { resourceType: 'Device', deviceName: [{ name: 'Pacemaker X1', type: 'user-friendly-name' }], manufacturer: 'Acme', serialNumber: 'SN-1' }
    expect(describeResource(device)).toEqual({ title: 'Pacemaker X1', fields: [
      { label: 'Device', value: 'Pacemaker X1' }, { label: 'Manufacturer', value: 'Acme' }, { label: 'Serial number', value: 'SN-1' },
    ] })
    const procedure = { resourceType: 'Procedure', status: 'completed', code: { text: 'Appendectomy' }, subject: { reference: 'Patient/self' }, performedPeriod: { start: '2019-04-02', end: '2019-04-03' } }
    expect(describeResource(procedure)).toMatchObject({ title: 'Appendectomy', date: '2019-04-02' })
    expect(field(procedure, 'Performed')).toBe('2019-04-02 to 2019-04-03')
    const history = { resourceType: 'FamilyMemberHistory', status: 'completed', date: '2020-01-01', relationship: { text: 'Mother' }, condition: [{ code: { text: 'Diabetes' } }] }
    expect(describeResource(history)).toEqual({ title: 'Mother: Diabetes', date: '2020-01-01', fields: [
      { label: 'Relative', value: 'Mother' }, { label: 'Conditions', value: 'Diabetes' }, { label: 'Status', value: 'completed' },
    ] })
    expect(describeResource({ resourceType: 'Basic' })).toEqual({ title: 'Basic', fields: [{ label: 'Record type', value: 'Basic' }] })
  })

  it('offers lower-cased search text including codes', () => {
    const flushing = byType.get('Condition')!.find((item) => JSON.stringify(item).includes('N95.1'))!
    const text = searchText(flushing)
    expect(text).toBe(text.toLowerCase())
    expect(text).toContain('menopausal flushing')
    expect(text).toContain('n95.1')
    expect(text).toContain('198436008')
  })
})

describe('export helpers', () => {
  it('bundles the whole vault as a valid collection that imports again', async () => {
    const resources = [...fixtureResources, fixtureResources[0]!]
    const bundle = vaultBundle(resources, new Date('2024-06-01T12:00:00Z'))
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection', timestamp: '2024-06-01T12:00:00.000Z' })
    expect(bundle.entry).toHaveLength(resources.length)
    expect(new Set(bundle.entry!.map((entry) => entry.fullUrl)).size).toBe(resources.length)
    expect(() => validateResource(JSON.parse(toFhirJson(bundle)))).not.toThrow()
    const again = await planFhirImport(toFhirJson(bundle), { fileName: 'vault.json' })
    expect(again.rejected).toEqual([])
    expect(again.records.map((record) => record.resource.resourceType)).toEqual(resources.map((resource) => resource.resourceType))
    expect(vaultBundle([]).entry).toBeUndefined()
  })

  it('writes indented JSON that parses back to the same resource', () => {
    const resource = fixtureResources[0]!
    const json = toFhirJson(resource)
    expect(json).toContain('\n  "resourceType"')
    expect(JSON.parse(json)).toEqual(resource)
  })
})
