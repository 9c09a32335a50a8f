import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { describeResource, resourceTypeLabel } from '../../src/core/fhir/describeResource.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import { insuranceAmounts } from '../../src/core/fhir/insuranceDescribers.ts'
import { fhirRefOf, referenceMatches, referencesOf } from '../../src/core/fhir/recordLinks.ts'
import { attachmentBytes, resourceAttachments } from '../../src/core/fhir/resourceAttachments.ts'
import { recordCategoryOf } from '../../src/core/fhir/recordCategories.ts'

const fixtures = new URL('../fixtures/fhir/', import.meta.url)
const readJson = (path: string) => JSON.parse(readFileSync(new URL(path, fixtures), 'utf8')) as FhirResource
const entries = (bundle: FhirResource) => (bundle.entry as { resource: FhirResource }[]).map((entry) => entry.resource)
const synthea = entries(readJson('read/synthea-excerpt-lindsay.json'))
const byType = (type: string) => synthea.filter((resource) => resource.resourceType === type)
const field = (resource: FhirResource, label: string) => describeResource(resource).fields.find((item) => item.label === label)?.value

describe('titles from the codes, never the bare type', () => {
  const files = ['read/synthea-excerpt-lindsay.json', 'read/Device-knee.json', ...readdirSync(fixtures).filter((name) => name.endsWith('.json'))]
  const resources = files.flatMap((file) => {
    const json = readJson(file)
    return json.resourceType === 'Bundle' ? entries(json) : [json]
  })

  it('gives every resource of the Synthea, US Core and IPS fixtures a title other than its type', () => {
    expect(resources.length).toBeGreaterThan(50)
    for (const resource of resources) {
      const { title } = describeResource(resource)
      expect(title, `${resource.resourceType}/${String(resource.id)}`).not.toBe(resourceTypeLabel(resource.resourceType))
      expect(title.length).toBeGreaterThan(2)
    }
  })

  it('titles Synthea kinds by their display text and dates them clinically', () => {
    const [checkUp, problem] = byType('Encounter')
    expect(describeResource(checkUp!)).toMatchObject({ title: 'General examination of patient (procedure)', date: '1979-01-02T11:44:52-05:00' })
    expect(describeResource(problem!).title).toBe('Encounter for problem')
    expect(describeResource(byType('CarePlan')[0]!)).toMatchObject({ title: 'Diabetes self management plan', date: '1979-01-02T11:44:52-05:00' })
    expect(describeResource(byType('CareTeam')[0]!).title).toBe('Care team: Prediabetes')
    expect(describeResource(byType('MedicationRequest')[0]!)).toMatchObject({ title: 'Vitamin B 12 5 MG/ML Injectable Solution', date: '1985-01-09T14:59:56-05:00' })
    expect(describeResource(byType('Claim')[0]!)).toMatchObject({ title: 'Claim: General examination of patient (procedure)', date: '1979-01-02T11:44:52-05:00' })
    expect(describeResource(byType('ExplanationOfBenefit')[0]!)).toMatchObject({ title: 'Explanation of benefit: General examination of patient (procedure)', date: '1979-01-02T11:44:52-05:00' })
    expect(describeResource(byType('DocumentReference')[0]!).title).toBe('History and physical note')
    expect(describeResource(readJson('read/Device-knee.json')).title).toBe('ACME Knee Replacement Device')
  })
})

describe('an encounter reads as a visit', () => {
  const [checkUp, problem] = byType('Encounter')

  it('says what, when, where, who and why', () => {
    expect(field(checkUp!, 'Kind')).toBe('Outpatient visit')
    expect(field(checkUp!, 'When')).toBe('1979-01-02 11:44 to 11:59')
    expect(field(checkUp!, 'Where')).toBe('PCP74147')
    expect(field(checkUp!, 'Who')).toBe('Dr. Alphonso102 Nienow652 (primary performer)')
    expect(field(problem!, 'Reason')).toBe('Anemia (disorder)')
    expect(field(problem!, 'Where')).toBe('BETH ISRAEL DEACONESS HOSPITAL-MILTON INC')
  })

  it('names a practitioner from a conditional reference without display', () => {
    const eob = byType('ExplanationOfBenefit')[0]!
    expect(field(eob, 'Provider')).toBe('Practitioner 9999962229')
  })
})

describe('contained context resolves to names', () => {
  it('reads #id references from the contained resources', () => {
    const request: FhirResource = {
      resourceType: 'MedicationRequest', id: 'rx', status: 'active', intent: 'order',
      contained: [
        { resourceType: 'Medication', id: 'med', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361', display: 'Amlodipine 5 MG Oral Tablet' }] } },
        { resourceType: 'Practitioner', id: 'doc', name: [{ prefix: ['Dr.'], given: ['Ana'], family: 'Ruiz' }] },
      ],
      medicationReference: { reference: '#med' },
      subject: { reference: 'Patient/p' },
      requester: { reference: '#doc' },
    }
    expect(describeResource(request).title).toBe('Amlodipine 5 MG Oral Tablet')
    expect(field(request, 'Prescriber')).toBe('Dr. Ana Ruiz')
    const eob = byType('ExplanationOfBenefit')[0]!
    expect(field(eob, 'Insurance')).toBe('Humana')
  })
})

describe('amounts of claims and explanations of benefit', () => {
  it('reads billed and paid amounts from Synthea claims', () => {
    expect(insuranceAmounts(byType('Claim')[0]!)).toEqual({ billed: { value: 129.16, currency: 'USD' } })
    expect(insuranceAmounts(byType('ExplanationOfBenefit')[0]!)).toEqual({ billed: { value: 129.16, currency: 'USD' }, insurerPaid: { value: 0, currency: 'USD' } })
    expect(field(byType('Claim')[1]!, 'Billed')).toBe('USD 5.28')
  })

  it('adds up item adjudications when an EOB has no totals, and says what the patient pays', () => {
    const eob: FhirResource = {
      resourceType: 'ExplanationOfBenefit', status: 'active', use: 'claim', outcome: 'complete', created: '2024-02-01',
      item: [
        { sequence: 1, productOrService: { text: 'Office visit' }, adjudication: [
          { category: { coding: [{ code: 'submitted' }] }, amount: { value: 200, currency: 'EUR' } },
          { category: { coding: [{ code: 'benefit' }] }, amount: { value: 150, currency: 'EUR' } },
          { category: { coding: [{ code: 'copay' }] }, amount: { value: 20, currency: 'EUR' } },
        ] },
        { sequence: 2, productOrService: { text: 'Blood test' }, adjudication: [
          { category: { coding: [{ code: 'submitted' }] }, amount: { value: 40.5, currency: 'EUR' } },
          { category: { coding: [{ code: 'deductible' }] }, amount: { value: 40.5, currency: 'EUR' } },
        ] },
      ],
    }
    expect(insuranceAmounts(eob)).toEqual({ billed: { value: 240.5, currency: 'EUR' }, insurerPaid: { value: 150, currency: 'EUR' }, patientPays: { value: 60.5, currency: 'EUR' } })
    expect(describeResource(eob).title).toBe('Explanation of benefit: Office visit')
  })
})

describe('kinds written from the FHIR R4 examples', () => {
  it('reads goals, imaging studies, family history, coverage and dispenses', () => {
    const goal: FhirResource = { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'Target weight is 160 to 180 lbs.' }, startDate: '2015-04-05', subject: { reference: 'Patient/example' },
      target: [{ measure: { coding: [{ system: 'http://loinc.org', code: '3141-9', display: 'Weight Measured' }] }, detailRange: { low: { value: 160, unit: 'lbs' }, high: { value: 180, unit: 'lbs' } }, dueDate: '2016-04-05' }] }
    expect(describeResource(goal)).toMatchObject({ title: 'Target weight is 160 to 180 lbs.', date: '2015-04-05' })
    expect(field(goal, 'Target')).toBe('Weight Measured 160 lbs – 180 lbs by 2016-04-05')
    const study: FhirResource = { resourceType: 'ImagingStudy', status: 'available', subject: { reference: 'Patient/dicom' }, started: '2011-01-01T11:01:20+03:00', numberOfInstances: 1,
      series: [{ uid: '2.16.124.113543.6003.2588828330.45298.17418.2723805630', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }, bodySite: { system: 'http://snomed.info/sct', code: '67734004', display: 'Upper Trunk Structure' }, instance: [{ uid: '2.16.124.113543.6003.189642796.63084.16748.2599092903', sopClass: { code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' } }] }] }
    expect(describeResource(study)).toMatchObject({ title: 'CT of Upper Trunk Structure', date: '2011-01-01T11:01:20+03:00' })
    const family: FhirResource = { resourceType: 'FamilyMemberHistory', status: 'completed', patient: { reference: 'Patient/example' }, date: '2011-03-18',
      relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'FTH', display: 'father' }] }, condition: [{ code: { text: 'Heart Attack' }, onsetAge: { value: 74, unit: 'yr' } }] }
    expect(describeResource(family)).toMatchObject({ title: 'father: Heart Attack (onset 74 yr)', date: '2011-03-18' })
    const coverage: FhirResource = { resourceType: 'Coverage', status: 'active', beneficiary: { reference: 'Patient/4' }, payor: [{ reference: 'Organization/2', display: 'Acme Health' }], subscriberId: 'AB9876', period: { start: '2011-05-23', end: '2012-05-23' },
      class: [{ type: { coding: [{ code: 'plan' }] }, value: 'B37FC', name: 'Full Coverage: Medical, Dental, Pharmacy, Vision, EHC' }] }
    expect(describeResource(coverage)).toMatchObject({ title: 'Acme Health', date: '2011-05-23' })
    expect(field(coverage, 'Member ID')).toBe('AB9876')
    const dispense: FhirResource = { resourceType: 'MedicationDispense', status: 'completed', medicationCodeableConcept: { text: 'Amoxicillin 250 mg capsule' }, whenHandedOver: '2015-01-15T10:20:00Z', quantity: { value: 30, unit: 'capsules' } }
    expect(describeResource(dispense)).toMatchObject({ title: 'Amoxicillin 250 mg capsule', date: '2015-01-15T10:20:00Z' })
  })
})

describe('links between records', () => {
  it('names a record by Type/id and finds what it points to, without the patient or context', () => {
    const condition = byType('Condition')[0]!
    expect(fhirRefOf(condition)).toBe('Condition/9a01d04d-86de-75e6-5c07-a4ba74966e68')
    expect(referencesOf(condition)).toEqual(['urn:uuid:3699e7e7-8b1b-4a68-8011-e7a166598566'])
    expect(referencesOf(byType('Claim')[1]!)).toEqual(['urn:uuid:5a252771-c39d-268a-5705-157c82336385', 'urn:uuid:ece9e706-21d8-e2bc-02fd-6df6a7e90c5a'])
    expect(referencesOf({ resourceType: 'Observation', encounter: { reference: 'https://fhir.example.org/r4/Encounter/abc/_history/2' }, subject: { reference: 'Patient/1' }, performer: [{ reference: '#p' }] })).toEqual(['Encounter/abc'])
    expect(referenceMatches('urn:uuid:3699e7e7-8b1b-4a68-8011-e7a166598566', 'Encounter/3699e7e7-8b1b-4a68-8011-e7a166598566')).toBe(true)
    expect(referenceMatches('Encounter/1', 'Encounter/12')).toBe(false)
  })
})

describe('attachments and categories', () => {
  it('decodes a Synthea note and shows it as the report text', () => {
    const report = byType('DiagnosticReport')[0]!
    const [attachment] = resourceAttachments(report)
    expect(attachment?.contentType).toBe('text/plain; charset=utf-8')
    expect(new TextDecoder().decode(attachmentBytes(attachment!))).toContain('# Chief Complaint')
    expect(field(report, 'Report text')).toContain('Patient is presenting with prediabetes.')
    expect(attachmentBytes({ contentType: 'image/png', data: '%%%' })).toBeUndefined()
  })

  it('files an encounter under visits, not notes, and a claim under insurance', () => {
    expect(recordCategoryOf({ resourceType: 'Encounter', scope: 'notes' })).toBe('visits')
    expect(recordCategoryOf({ resourceType: 'ExplanationOfBenefit', scope: 'notes' })).toBe('insurance')
    expect(recordCategoryOf({ resourceType: 'DiagnosticReport', scope: 'imaging' })).toBe('imaging')
    expect(recordCategoryOf({ resourceType: 'X', scope: 'labs' })).toBe('results')
  })
})
