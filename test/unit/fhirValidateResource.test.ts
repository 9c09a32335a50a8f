import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SalusError } from '../../src/errors/salusError.ts'
import { FhirValidationError } from '../../src/core/fhir/fhirErrors.ts'
import { validateResource } from '../../src/core/fhir/validateResource.ts'

import { fhirFixtures } from '../support/fixtures.ts'
const fixtures = fhirFixtures
const fixtureFiles = readdirSync(fixtures).filter((name) => name.endsWith('.json'))
const readFixture = (name: string) => JSON.parse(readFileSync(`${fixtures}/${name}`, 'utf8')) as Record<string, any>

const patient = { reference: 'Patient/self' }
const condition = (extra: Record<string, unknown>) => ({ resourceType: 'Condition', subject: patient, code: { text: 'Asthma' }, ...extra })

function rejection(json: unknown): FhirValidationError {
  try {
    validateResource(json)
  } catch (error) {
    if (error instanceof FhirValidationError) return error
    throw error
  }
  throw new Error('expected a FhirValidationError')
}

describe('validateResource', () => {
  it.each(fixtureFiles)('accepts the real fixture %s whole', (name) => {
    const json = readFixture(name)
    expect(validateResource(json)).toBe(json)
  })

  it.each([
    [{ resourceType: 'Foo' }, 'Foo.resourceType', 'not a FHIR R4 resource type'],
    [{ id: 'x' }, 'Resource', 'no resourceType'],
    [[{ resourceType: 'Patient' }], 'Resource', 'JSON object'],
    [{ resourceType: 'Patient', id: 'a b' }, 'Patient.id', 'not a valid FHIR id'],
    [{ resourceType: 'Patient', id: 'x'.repeat(65) }, 'Patient.id', 'not a valid FHIR id'],
    [{ resourceType: 'Patient', birthDate: '2023-02-29' }, 'Patient.birthDate', 'not a valid FHIR date'],
    [{ resourceType: 'Patient', birthDate: '1985-4-25' }, 'Patient.birthDate', 'not a valid FHIR date'],
    [{ resourceType: 'Patient', gender: 'mal' }, 'Patient.gender', 'not one of'],
    [{ resourceType: 'Patient', active: 'true' }, 'Patient.active', 'true or false'],
    [{ resourceType: 'Patient', nmae: [{ family: 'X' }] }, 'Patient.nmae', 'not an element of Patient'],
    [{ resourceType: 'Patient', name: { family: 'X' } }, 'Patient.name', 'must be a list'],
    [{ resourceType: 'Patient', name: [] }, 'Patient.name', 'empty list'],
    [{ resourceType: 'Patient', name: [{ family: '' }] }, 'Patient.name[0].family', 'must not be empty'],
    [{ resourceType: 'Patient', name: [{ family: null }] }, 'Patient.name[0].family', 'must be a string'],
    [{ resourceType: 'Patient', multipleBirthInteger: 1.5 }, 'Patient.multipleBirthInteger', 'whole number'],
    [{ resourceType: 'Patient', meta: { lastUpdated: '2021-01-01T10:00:00' } }, 'Patient.meta.lastUpdated', 'time zone'],
    [{ resourceType: 'Patient', text: { status: 'generated', div: '<div><script>x()</script></div>' } }, 'Patient.text.div', 'scripts'],
    [{ resourceType: 'Patient', text: { status: 'generated', div: '<p>hi</p>' } }, 'Patient.text.div', '<div>'],
    [condition({ subject: undefined }), 'Condition.subject', 'has no value'],
    [{ resourceType: 'Condition', code: { text: 'x' } }, 'Condition.subject', 'is required'],
    [condition({ onsetDateTime: '2015-13' }), 'Condition.onsetDateTime', 'not a valid FHIR dateTime'],
    [condition({ onsetDateTime: '2015-01-01T10:00' }), 'Condition.onsetDateTime', 'not a valid FHIR dateTime'],
    [condition({ onsetDateTime: '2015', onsetString: 'as a child' }), 'Condition.onsetString', 'only one onset[x]'],
    [condition({ onsetDate: '2015' }), 'Condition.onsetDate', 'not an element of Condition'],
    [condition({ clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'gone' }] } }), 'Condition.clinicalStatus.coding', 'not one of'],
    [condition({ clinicalStatus: { text: 'active' } }), 'Condition.clinicalStatus', 'must have a coding from'],
    [condition({ clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, abatementDateTime: '2020' }), 'Condition.clinicalStatus', 'con-4'],
    [condition({ code: { coding: [{ system: 'http://snomed info', code: '1' }] } }), 'Condition.code.coding[0].system', 'not a valid FHIR uri'],
    [condition({ code: { coding: [{ code: ' 195967001' }] } }), 'Condition.code.coding[0].code', 'not a valid FHIR code'],
    [condition({ subject: { reference: 'the patient' } }), 'Condition.subject.reference', 'not a FHIR reference'],
    [condition({ note: [{ authorString: 'me' }] }), 'Condition.note[0].text', 'is required'],
    [{ resourceType: 'AllergyIntolerance', patient }, 'AllergyIntolerance.clinicalStatus', 'required unless'],
    [{ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1, code: 'mg' } }, 'Observation.valueQuantity.system', 'qty-3'],
    [{ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1 }, dataAbsentReason: { text: 'lost' } }, 'Observation.dataAbsentReason', 'obs-6'],
    [{ resourceType: 'Observation', status: 'done', code: { text: 'x' } }, 'Observation.status', 'not one of'],
    [{ resourceType: 'Observation', status: 'final', code: { text: 'x' }, effectivePeriod: { start: '2020-02-01', end: '2020-01' } }, 'Observation.effectivePeriod.end', 'before the start'],
    [{ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: Number.NaN } }, 'Observation.valueQuantity.value', 'number'],
    [{ resourceType: 'MedicationStatement', status: 'active', subject: patient }, 'MedicationStatement.medication[x]', 'is required'],
    [{ resourceType: 'MedicationRequest', status: 'active', subject: patient, medicationCodeableConcept: { text: 'x' } }, 'MedicationRequest.intent', 'is required'],
    [{ resourceType: 'Immunization', status: 'completed', vaccineCode: { text: 'flu' }, patient }, 'Immunization.occurrence[x]', 'is required'],
    [{ resourceType: 'Procedure', status: 'finished', subject: patient }, 'Procedure.status', 'not one of'],
    [{ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { data: 'aGVsbG8=' } }] }, 'DocumentReference.content[0].attachment.contentType', 'att-1'],
    [{ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', data: 'not base64!' } }] }, 'DocumentReference.content[0].attachment.data', 'not valid base64'],
    [{ resourceType: 'DocumentReference', status: 'current', date: '2024-01-01', content: [{ attachment: { url: 'salus:attachment' } }] }, 'DocumentReference.date', 'time zone'],
    [{ resourceType: 'Composition', status: 'final', type: { text: 'x' }, date: '2020', author: [patient], title: 'T', section: [{ title: 'Empty' }] }, 'Composition.section[0]', 'cmp-1'],
    [{ resourceType: 'Device', deviceName: [{ name: 'Pacemaker', type: 'nickname' }] }, 'Device.deviceName[0].type', 'not one of'],
    [{ resourceType: 'Bundle', type: 'bag' }, 'Bundle.type', 'not one of'],
    [{ resourceType: 'Bundle', type: 'document', timestamp: '2020-01-01T00:00:00Z' }, 'Bundle.identifier', 'bdl-9'],
    [{ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:x' }] }, 'Bundle.entry[0]', 'bdl-5'],
    [{ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Basic', code: { text: 'a' } } }, { resource: { resourceType: 'Condition', subject: patient, onsetDateTime: 'yesterday' } }] }, 'Bundle.entry[1].resource.onsetDateTime', 'dateTime'],
    [{ resourceType: 'Bundle', type: 'collection', entry: ['oops'] }, 'Bundle.entry[0]', 'JSON object'],
    [{ resourceType: 'Patient', contained: [{ resourceType: 'Medication', status: 'maybe' }] }, 'Patient.contained[0].status', 'not one of'],
    [{ resourceType: 'FamilyMemberHistory', status: 'completed', relationship: { coding: [{ system: 'not a uri' }] } }, 'FamilyMemberHistory.relationship.coding[0].system', 'uri'],
    [{ resourceType: 'FamilyMemberHistory', status: 'completed', note: [null] }, 'FamilyMemberHistory.note[0]', 'null'],
    [{ resourceType: 'FamilyMemberHistory', extension: [{ url: 'http://x', valueString: 'a', extension: [{ url: 'http://y', valueCode: 'b' }] }] }, 'FamilyMemberHistory.extension[0]', 'ext-1'],
    [{ resourceType: 'Patient', birthDate: new Date() }, 'Patient.birthDate', 'string'],
    [{ resourceType: 'FamilyMemberHistory', 'odd key': 1 }, 'FamilyMemberHistory["odd key"]', 'not a valid FHIR element name'],
    [JSON.parse('{"resourceType":"Basic","code":{"text":"x"},"__proto__":{"x":1}}'), 'Basic["__proto__"]', 'not a valid FHIR element name'],
  ])('rejects %j at the right path', (json, path, reason) => {
    const error = rejection(json)
    expect(error.path).toBe(path)
    expect(error.reason).toContain(reason)
  })

  it('is a SalusError a person can act on', () => {
    const error = rejection({ resourceType: 'Patient', gender: 'mal' })
    expect(error).toBeInstanceOf(SalusError)
    expect(error.name).toBe('FhirValidationError')
    expect(error.shortMessage).toContain('Patient.gender')
  })

  it('accepts what R4 allows and a naive check would not', () => {
    expect(() => validateResource({ resourceType: 'Patient', birthDate: '2024-02-29' })).not.toThrow()
    expect(() => validateResource(condition({ onsetDateTime: '2015-03-01T10:00:00.123+14:00', recordedDate: '2016' }))).not.toThrow()
    // A conditional reference, as Synthea writes for practitioners (valid R4; every one was refused before issue 14).
    expect(() => validateResource(condition({ asserter: { reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999962229', display: 'Dr. A' } }))).not.toThrow()
    // A primitive list may hold null where its _twin carries an extension.
    const name = [{ given: [null, 'Ann'], _given: [{ extension: [{ url: 'http://x', valueCode: 'masked' }] }, null] }]
    expect(() => validateResource({ resourceType: 'Patient', name })).not.toThrow()
    // A required primitive may be present only as an extension (e.g. data-absent-reason).
    const absent = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] }
    expect(() => validateResource({ resourceType: 'Observation', _status: absent, code: { text: 'x' } })).not.toThrow()
    // Known but unmodelled types get generic checks only.
    expect(() => validateResource({ resourceType: 'FamilyMemberHistory', status: 'completed', patient, relationship: { text: 'mother' }, condition: [{ code: { text: 'Diabetes' } }] })).not.toThrow()
  })

  it('enforces size and depth limits', () => {
    const big = 'a'.repeat(1024 * 1024 + 1)
    expect(rejection(condition({ note: [{ text: big }] })).reason).toContain('1 MB limit')
    // Attachment.data may be larger than a string, up to the import limit.
    const data = Buffer.alloc(3 * 1024 * 1024, 7).toString('base64')
    expect(() => validateResource({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'application/pdf', data } }] })).not.toThrow()
    // Media is where the vault's export inlines an image.
    expect(() => validateResource({ resourceType: 'Media', status: 'completed', content: { contentType: 'image/png', data } })).not.toThrow()
    expect(rejection({ resourceType: 'Media', status: 'completed', content: { data } }).path).toBe('Media.content.contentType')
    expect(() => validateResource({ resourceType: 'Claim', supportingInfo: [{ valueAttachment: { contentType: 'image/png', data } }] })).not.toThrow()
    let nested: Record<string, unknown> = { url: 'http://x', valueString: 'deep' }
    for (let level = 0; level < 40; level++) nested = { url: 'http://x', extension: [nested] }
    expect(rejection({ resourceType: 'Basic', code: { text: 'x' }, extension: [nested] }).reason).toContain('nested more than 32')
    const cyclic: Record<string, unknown> = { resourceType: 'Basic', code: { text: 'x' } }
    cyclic.author = cyclic
    expect(rejection(cyclic).reason).toMatch(/nested more than 32|resourceType/)
    const entry = Array.from({ length: 10_001 }, () => ({ resource: { resourceType: 'Basic', code: { text: 'x' } } }))
    expect(rejection({ resourceType: 'Bundle', type: 'collection', entry }).reason).toContain('at most 10000')
  })

  it('checks document-bundle rules on the real IPS', () => {
    const bundle = readFixture('ips-bundle-minimal.json')
    const swapped = { ...bundle, entry: [bundle.entry[1], bundle.entry[0], ...bundle.entry.slice(2)] }
    expect(rejection(swapped).reason).toContain('bdl-11')
    const repeated = { ...bundle, entry: [...bundle.entry, bundle.entry[3]] }
    expect(rejection(repeated).reason).toContain('bdl-7')
    const { timestamp: _timestamp, ...undated } = bundle
    expect(rejection(undated).reason).toContain('bdl-10')
  })
})
