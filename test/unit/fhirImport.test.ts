// Cases of the old parseFhirImport tests that still say something about planFhirImport and
// are not already in fhirImportBadInput/fhirImportFixtures (truncated JSON, the size limit,
// deep nesting, __proto__, bad dates and every IPS fixture live there).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { planFhirImport } from '../../src/core/fhir/import/planFhirImport.ts'
import { fhirFixtures } from '../support/fixtures.ts'

const read = (name: string) => readFileSync(`${fhirFixtures}/${name}`, 'utf8')
const readJson = (name: string) => JSON.parse(read(name)) as { entry: unknown[]; [key: string]: any }
const plan = (text: string, fileName = 'test.json') => planFhirImport(text, { fileName })

describe('planFhirImport', () => {
  it.each(['AllergyIntolerance-extracted-from-ips-bundle-01.json', 'MedicationRequest-eumfh-39-07-1-request.json'])('imports the single resource %s', async (name) => {
    const { records, rejected } = await plan(read(name), name)
    expect(rejected).toEqual([])
    expect(records).toHaveLength(1)
    expect(records[0]!.scope).toBe(name.startsWith('Allergy') ? 'allergies' : 'prescriptions')
  })

  it('names a medication that a statement only referenced, without changing the source', async () => {
    const { records } = await plan(read('ips-bundle-minimal.json'), 'ips.json')
    const statement = records.find((record) => record.resource.resourceType === 'MedicationStatement')!
    expect(statement.title).toBe('Product containing anastrozole (medicinal product)')
    expect((readJson('ips-bundle-minimal.json').entry[5] as any).resource.medicationReference.display).toBeUndefined()
  })

  it('rejects an entry without resourceType and keeps the rest', async () => {
    const bundle = readJson('ips-bundle-01.json')
    delete (bundle.entry[4] as any).resource.resourceType
    const result = await plan(JSON.stringify(bundle), 'ips.json')
    expect(result.records.length + result.context).toBe(bundle.entry.length - 1)
    expect(result.rejected).toEqual([{ item: 'ips.json entry 4', reason: expect.stringContaining('resourceType') }])
  })

  it('rejects a non-object entry and keeps the others', async () => {
    const bundle = readJson('ips-bundle-minimal.json')
    bundle.entry[2] = 'not an entry'
    bundle.entry.push(null)
    const result = await plan(JSON.stringify(bundle))
    expect(result.records.length + result.context).toBe(bundle.entry.length - 2)
    expect(result.rejected.map((item) => item.item)).toEqual(['test.json entry 2', `test.json entry ${bundle.entry.length - 1}`])
  })

  it.each([
    ['{"hello":"world"}', 'no resourceType'],
    ['null', 'no resourceType'],
    ['"Patient"', 'no resourceType'],
    ['{"resourceType":42}', 'no resourceType'],
    ['{"resourceType":"Pateint"}', 'not a FHIR R4 resource type'],
    ['', 'is empty'],
    ['<Patient xmlns="http://hl7.org/fhir"/>', 'not valid JSON'],
  ])('rejects non-FHIR input %j without throwing', async (text, reason) => {
    const { records, rejected } = await plan(text, 'x.json')
    expect(records).toEqual([])
    expect(rejected).toEqual([{ item: expect.stringMatching(/^x\.json/), reason: expect.stringContaining(reason) }])
  })

  it('reads NDJSON line by line, a broken line costing only itself', async () => {
    const lines = [
      JSON.stringify({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, code: { text: 'Asthma' } }),
      '{"resourceType": "Condition", ',
      JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'Glucose' }, valueQuantity: { value: 5.4, unit: 'mmol/L' } }),
      '',
    ]
    const { records, rejected } = await plan(lines.join('\n'), 'export.ndjson')
    expect(records.map((record) => record.scope)).toEqual(['conditions', 'labs'])
    expect(rejected).toEqual([{ item: 'export.ndjson line 2', reason: expect.stringContaining('not valid JSON') }])
  })

  it('rejects a Bundle whose entry is not a list', async () => {
    const { records, rejected } = await plan(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: {} }))
    expect(records).toEqual([])
    expect(rejected).toEqual([{ item: 'test.json', reason: expect.stringContaining('must be a list') }])
  })
})
