import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { maxImportBytes, parseFhirImport } from '../../src/core/fhir/importFhir.ts'
import { validateResource } from '../../src/core/fhir/validateResource.ts'

import { fhirFixtures } from '../support/fixtures.ts'
const fixtures = fhirFixtures
const bundles = readdirSync(fixtures).filter((name) => name.startsWith('ips-bundle-'))
const read = (name: string) => readFileSync(`${fixtures}/${name}`, 'utf8')
const readJson = (name: string) => JSON.parse(read(name)) as { entry: { fullUrl: string; resource: Record<string, any> }[]; [key: string]: any }
const importJson = (json: unknown, fileName = 'test.json') => parseFhirImport(JSON.stringify(json), { fileName })

describe('parseFhirImport', () => {
  it.each(bundles)('imports every entry of the IPS document %s', (name) => {
    const bundle = readJson(name)
    const { accepted, rejected } = parseFhirImport(read(name), { fileName: name })
    expect(rejected).toEqual([])
    expect(accepted).toHaveLength(bundle.entry.length)
    expect(accepted.map((record) => record.resource.resourceType)).toEqual(bundle.entry.map((entry) => entry.resource.resourceType))
    // The document's Composition and Patient are kept as summary records.
    expect(accepted.find((record) => record.resource.resourceType === 'Composition')?.scope).toBe('summary')
    expect(accepted.find((record) => record.resource.resourceType === 'Patient')?.scope).toBe('summary')
    for (const record of accepted) {
      expect(record.title.length).toBeGreaterThan(0)
      expect(() => validateResource(record.resource)).not.toThrow()
    }
  })

  it.each(['AllergyIntolerance-extracted-from-ips-bundle-01.json', 'MedicationRequest-eumfh-39-07-1-request.json'])('imports the single resource %s', (name) => {
    const { accepted, rejected } = parseFhirImport(read(name), { fileName: name })
    expect(rejected).toEqual([])
    expect(accepted).toHaveLength(1)
    expect(accepted[0]!.scope).toBe(name.startsWith('Allergy') ? 'allergies' : 'prescriptions')
  })

  it('names a medication that a split-out statement only referenced, but not the patient', () => {
    const { accepted } = parseFhirImport(read('ips-bundle-minimal.json'), { fileName: 'ips.json' })
    const statement = accepted.find((record) => record.resource.resourceType === 'MedicationStatement')!
    expect(statement.title).toBe('Product containing anastrozole (medicinal product)')
    expect((statement.resource.medicationReference as { display?: string }).display).toBe(statement.title)
    expect((statement.resource.subject as { display?: string }).display).toBeUndefined()
    // The source object is not modified.
    expect(readJson('ips-bundle-minimal.json').entry[5]!.resource.medicationReference.display).toBeUndefined()
  })

  it('rejects an entry without resourceType and keeps the rest', () => {
    const bundle = readJson('ips-bundle-01.json')
    delete bundle.entry[4]!.resource.resourceType
    const { accepted, rejected } = importJson(bundle, 'ips.json')
    expect(accepted).toHaveLength(bundle.entry.length - 1)
    expect(rejected).toEqual([{ item: 'ips.json entry 4', reason: expect.stringContaining('Bundle.entry[4].resource has no resourceType') }])
  })

  it('rejects an entry with a bad date, naming its index and type', () => {
    const bundle = readJson('ips-bundle-01.json')
    bundle.entry[10]!.resource.onsetDateTime = '2015-02-30'
    const { accepted, rejected } = importJson(bundle, 'ips.json')
    expect(accepted).toHaveLength(bundle.entry.length - 1)
    expect(rejected).toHaveLength(1)
    expect(rejected[0]!.item).toBe('ips.json entry 10 (Condition)')
    expect(rejected[0]!.reason).toContain('Bundle.entry[10].resource.onsetDateTime')
    expect(rejected[0]!.reason).toContain('not a valid FHIR dateTime')
  })

  it('rejects the whole file when Bundle.type is wrong', () => {
    const bundle = readJson('ips-bundle-minimal.json')
    bundle.type = 'ips-document'
    const { accepted, rejected } = importJson(bundle, 'ips.json')
    expect(accepted).toEqual([])
    expect(rejected).toEqual([{ item: 'ips.json', reason: expect.stringContaining('Bundle.type "ips-document" is not one of') }])
  })

  it('rejects a non-object entry and keeps the others', () => {
    const bundle = readJson('ips-bundle-minimal.json') as any
    bundle.entry[2] = 'not an entry'
    bundle.entry.push(null)
    const { accepted, rejected } = importJson(bundle)
    expect(accepted).toHaveLength(bundle.entry.length - 2)
    expect(rejected.map((item) => item.item)).toEqual(['test.json entry 2', `test.json entry ${bundle.entry.length - 1}`])
    expect(rejected[0]!.reason).toContain('Bundle.entry[2] must be a JSON object')
  })

  it('rejects a second entry with the same fullUrl', () => {
    const bundle = readJson('ips-bundle-minimal.json')
    bundle.entry.push(bundle.entry[4]!)
    const { accepted, rejected } = importJson(bundle)
    expect(accepted).toHaveLength(bundle.entry.length - 1)
    expect(rejected[0]!.reason).toContain('repeats the fullUrl')
  })

  it('rejects truncated JSON with one human reason', () => {
    const text = read('ips-bundle-NZ_Peter_Jordan_AAA1234.json')
    const { accepted, rejected } = parseFhirImport(text.slice(0, Math.floor(text.length / 2)), { fileName: 'nz.json' })
    expect(accepted).toEqual([])
    expect(rejected).toHaveLength(1)
    expect(rejected[0]!.reason).toContain('not valid JSON')
  })

  it('rejects a 21 MB file before parsing it', () => {
    const text = read('ips-bundle-minimal.json')
    const padded = text + ' '.repeat(21 * 1024 * 1024 - text.length)
    const started = performance.now()
    const { accepted, rejected } = parseFhirImport(padded, { fileName: 'huge.json' })
    expect(performance.now() - started).toBeLessThan(1000)
    expect(accepted).toEqual([])
    expect(rejected).toEqual([{ item: 'huge.json', reason: expect.stringContaining('larger than 20 MB') }])
    // Multi-byte text counts in UTF-8 bytes, not characters.
    const wide = `{"resourceType":"Basic","code":{"text":"${'é'.repeat(maxImportBytes / 2)}"}}`
    expect(parseFhirImport(wide, { fileName: 'wide.json' }).rejected[0]!.reason).toContain('larger than 20 MB')
  })

  it.each([
    ['{"hello":"world"}', 'no resourceType'],
    ['[{"resourceType":"Patient"}]', 'no resourceType'],
    ['null', 'no resourceType'],
    ['"Patient"', 'no resourceType'],
    ['{"resourceType":"Pateint"}', 'not a FHIR R4 resource type'],
    ['{"resourceType":42}', 'resourceType must be a string'],
    ['', 'not valid JSON'],
    ['<Patient xmlns="http://hl7.org/fhir"/>', 'not valid JSON'],
  ])('rejects non-FHIR input %j without throwing', (text, reason) => {
    const { accepted, rejected } = parseFhirImport(text, { fileName: 'x.json' })
    expect(accepted).toEqual([])
    expect(rejected).toEqual([{ item: 'x.json', reason: expect.stringContaining(reason) }])
  })

  it('reads NDJSON line by line', () => {
    const lines = [
      JSON.stringify({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, code: { text: 'Asthma' } }),
      '{"resourceType": "Condition", ',
      JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'Glucose' }, valueQuantity: { value: 5.4, unit: 'mmol/L' } }),
      '',
    ]
    const { accepted, rejected } = parseFhirImport(lines.join('\n'), { fileName: 'export.ndjson' })
    expect(accepted.map((record) => record.scope)).toEqual(['conditions', 'labs'])
    expect(rejected).toEqual([{ item: 'export.ndjson line 2', reason: 'This line is not valid JSON.' }])
  })

  it('survives hostile shapes', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`
    expect(parseFhirImport(deep, { fileName: 'deep.json' }).rejected).toHaveLength(1)
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: Array.from({ length: 10_001 }, () => ({ resource: { resourceType: 'Basic', code: { text: 'x' } } })) }
    expect(importJson(bundle).rejected[0]!.reason).toContain('at most 10000')
    expect(importJson({ resourceType: 'Bundle', type: 'collection', entry: {} }).rejected[0]!.reason).toContain('must be a list')
    const proto = '{"resourceType":"Patient","__proto__":{"gender":"male"}}'
    expect(parseFhirImport(proto, { fileName: 'p.json' }).rejected[0]!.reason).toContain('__proto__ is not an element of Patient')
  })
})
