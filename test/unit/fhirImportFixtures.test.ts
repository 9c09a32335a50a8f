import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { resourceTypeLabel } from '../../src/core/fhir/describeResource.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import type { ImportPlan } from '../../src/core/fhir/import/importPlan.ts'
import { planFhirImport } from '../../src/core/fhir/import/planFhirImport.ts'
import { validateResource } from '../../src/core/fhir/validateResource.ts'
import { fhirFixtures } from '../support/fixtures.ts'

const synthea = 'synthea/Ilene33_Klocko335_6c0c7dd6-927c-137f-e7d0-d761d7486308.json'
const bytes = (name: string) => new Uint8Array(readFileSync(`${fhirFixtures}/${name}`))
const plan = (name: string) => planFhirImport(bytes(name), { fileName: name.split('/').pop()! })
const usCore = readdirSync(`${fhirFixtures}/us-core`).map((name) => `us-core/${name}`)
const ips = readdirSync(fhirFixtures).filter((name) => name.startsWith('ips-bundle-'))

/** Every reference object in a resource, contained ones included. */
function references(value: unknown, out: { reference?: string; display?: string }[] = []): { reference?: string; display?: string }[] {
  if (Array.isArray(value)) value.forEach((item) => references(item, out))
  else if (typeof value === 'object' && value !== null) {
    if (typeof (value as { reference?: unknown }).reference === 'string') out.push(value as { reference: string })
    Object.values(value).forEach((child) => references(child, out))
  }
  return out
}

function expectReadable(result: ImportPlan): void {
  for (const record of result.records) {
    expect(record.title, record.item).not.toBe(resourceTypeLabel(record.resource.resourceType))
    expect(record.title.trim().length, record.item).toBeGreaterThan(0)
    // What the vault's seal checks must hold for every planned record.
    expect(() => validateResource(record.resource), record.item).not.toThrow()
    expect(record.fingerprint).toMatch(/^[0-9a-f]{64}$/)
  }
}

describe('planFhirImport on a full Synthea patient', () => {
  it('accepts all 494 resources: 490 records about one person, 4 context resources, titles from the codes', async () => {
    const json = JSON.parse(readFileSync(`${fhirFixtures}/${synthea}`, 'utf8')) as { entry: { resource: FhirResource }[] }
    const result = await plan(synthea)
    expect(result.rejected).toEqual([])
    expect(result.records.length + result.context).toBe(json.entry.length)
    expect(result.context).toBe(json.entry.filter((entry) => ['Medication', 'Provenance'].includes(entry.resource.resourceType)).length)
    expect(result.people).toEqual([expect.objectContaining({ key: 'Patient/6c0c7dd6-927c-137f-e7d0-d761d7486308', name: 'Ilene33 Klocko335', birthDate: expect.any(String), records: result.records.length })])
    expect(result.records.every((record) => record.personKey === result.people[0]!.key)).toBe(true)
    expectReadable(result)
    const encounter = result.records.find((record) => record.resource.resourceType === 'Encounter')!
    expect(encounter.title).not.toMatch(/^Encounter$/)
    expect(encounter.scope).toBeDefined()
  })

  it('keeps conditional references to practitioners not in the file, and rewrites urn:uuid references to Type/id', async () => {
    const result = await plan(synthea)
    const all = result.records.flatMap((record) => references(record.resource))
    expect(all.some((ref) => ref.reference?.startsWith('Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|'))).toBe(true)
    expect(all.filter((ref) => ref.reference?.startsWith('urn:uuid:'))).toEqual([])
    const ids = new Set(result.records.map((record) => `${record.resource.resourceType}/${record.resource.id}`))
    const inFile = all.filter((ref) => /^(Encounter|Condition|Observation|Claim|DiagnosticReport)\//.test(ref.reference ?? ''))
    expect(inFile.length).toBeGreaterThan(100)
    for (const ref of inFile) expect(ids.has(ref.reference!), ref.reference).toBe(true)
    // A MedicationRequest pointing at a Medication of the file carries it as context.
    const request = result.records.find((record) => record.resource.resourceType === 'MedicationRequest' && record.resource.medicationReference)
    if (request) {
      expect((request.resource.medicationReference as { reference: string }).reference).toMatch(/^#/)
      expect((request.resource.contained as FhirResource[])[0]!.resourceType).toBe('Medication')
    }
  })

  it('plans the same file twice with the same fingerprints', async () => {
    const [first, second] = await Promise.all([plan(synthea), plan(synthea)])
    expect(second.records.map((record) => record.fingerprint)).toEqual(first.records.map((record) => record.fingerprint))
    expect(new Set(first.records.map((record) => record.fingerprint)).size).toBe(first.records.length)
  })
})

describe('planFhirImport on US Core and IPS examples', () => {
  it('accepts every US Core example (at least ten resource types), each with a readable title', async () => {
    const types = new Set<string>()
    for (const name of usCore) {
      const result = await plan(name)
      expect(result.rejected, name).toEqual([])
      expect(result.records.length + result.context, name).toBe(1)
      expectReadable(result)
      for (const record of result.records) types.add(record.resource.resourceType)
    }
    expect(types.size).toBeGreaterThanOrEqual(20)
  })

  it('keeps a contained Medication as it is and names the patient a lone resource points to', async () => {
    const result = await plan('us-core/medicationrequest-contained-oral-axid.json')
    const [record] = result.records
    expect((record!.resource.contained as FhirResource[]).map((item) => item.resourceType)).toEqual(['Medication'])
    expect(result.people).toEqual([expect.objectContaining({ key: 'Patient/example', records: 1 })])
    expect(record!.personKey).toBe('Patient/example')
  })

  it.each(ips)('accepts every entry of the IPS document %s', async (name) => {
    const bundle = JSON.parse(readFileSync(`${fhirFixtures}/${name}`, 'utf8')) as { entry: unknown[] }
    const result = await plan(name)
    expect(result.rejected).toEqual([])
    expect(result.records.length + result.context).toBe(bundle.entry.length)
    expect(result.records.some((record) => record.resource.resourceType === 'Composition')).toBe(true)
    expectReadable(result)
  })

  it('lists a real US Core example that is not valid R4 with a reason naming the element', async () => {
    const result = await plan('invalid/us-core-diagnosticreport-cbc.json')
    expect(result.records).toEqual([])
    expect(result.rejected).toEqual([{ item: 'us-core-diagnosticreport-cbc.json (DiagnosticReport)', reason: expect.stringContaining('DiagnosticReport.text.div is required but missing') }])
  })
})

describe('planFhirImport on an NDJSON bulk export of three Synthea patients', () => {
  it('finds the three people, counts each one\'s records and carries practitioners, organizations and locations as context', async () => {
    const result = await plan('synthea/bulk-export-3-patients.ndjson')
    expect(result.rejected).toEqual([])
    expect(result.records).toHaveLength(109)
    expect(result.context).toBe(33)
    expect(result.people.map((person) => person.name)).toEqual(['Mrs. Sumiko254 Larue605 Medhurst46', 'Devin82 Anibal473 Cole117', 'Denis399 Lincoln623 Schmitt836'])
    expect(result.people.reduce((sum, person) => sum + person.records, 0)).toBe(109)
    expectReadable(result)
    const encounter = result.records.find((record) => record.resource.resourceType === 'Encounter')!
    const contained = encounter.resource.contained as FhirResource[]
    expect(contained.map((item) => item.resourceType).sort()).toEqual(expect.arrayContaining(['Location', 'Organization']))
    const provider = encounter.resource.serviceProvider as { reference: string; display?: string }
    expect(provider.reference).toMatch(/^#/)
    expect(provider.display).toBeTruthy()
    expect(contained.some((item) => `#${item.id}` === provider.reference)).toBe(true)
  })
})

describe('planFhirImport on a patient-access search result (Epic/Cerner style)', () => {
  // Built here in the shape those servers return (no public export with a licence was found):
  // a searchset with absolute fullUrls, an _include'd Practitioner, an OperationOutcome
  // (search.mode outcome), a contained Medication and an extension.
  const base = 'https://fhir.example-hospital.org/api/FHIR/R4'
  const searchset = {
    resourceType: 'Bundle', type: 'searchset', total: 2,
    link: [{ relation: 'self', url: `${base}/MedicationRequest?patient=eXyZ3` }],
    entry: [
      { fullUrl: `${base}/MedicationRequest/mr1`, search: { mode: 'match' }, resource: {
        resourceType: 'MedicationRequest', id: 'mr1', status: 'active', intent: 'order',
        extension: [{ url: 'http://open.epic.com/FHIR/StructureDefinition/extension/order-class', valueCoding: { code: 'E-Prescribe' } }],
        contained: [{ resourceType: 'Medication', id: 'med1', code: { text: 'lisinopril 10 MG tablet' } }],
        medicationReference: { reference: '#med1', display: 'lisinopril 10 MG tablet' },
        subject: { reference: `${base}/Patient/eXyZ3`, display: 'Lopez, Camila' },
        requester: { reference: `${base}/Practitioner/pr9` },
        authoredOn: '2024-03-01',
      } },
      { fullUrl: `${base}/Condition/c1`, search: { mode: 'match' }, resource: {
        resourceType: 'Condition', id: 'c1', code: { text: 'Essential hypertension' },
        subject: { reference: 'Patient/eXyZ3' }, encounter: { reference: `${base}/Encounter/enc-not-in-file`, display: 'Office Visit' },
      } },
      { fullUrl: `${base}/Practitioner/pr9`, search: { mode: 'include' }, resource: { resourceType: 'Practitioner', id: 'pr9', name: [{ text: 'Physician Family Medicine, MD' }] } },
      { search: { mode: 'outcome' }, resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'suppressed', details: { text: 'Some results were not shown.' } }] } },
    ],
  }

  it('plans the matches, keeps the included practitioner as context and the patient outside the file as a person', async () => {
    const result = await planFhirImport(JSON.stringify(searchset), { fileName: 'epic.json' })
    expect(result.rejected).toEqual([])
    expect(result.records.map((record) => record.resource.resourceType)).toEqual(['MedicationRequest', 'Condition'])
    expect(result.context).toBe(2)
    expect(result.people).toEqual([expect.objectContaining({ key: 'Patient/eXyZ3', name: 'Lopez, Camila', records: 2 })])
    const request = result.records[0]!.resource
    expect((request.contained as FhirResource[]).map((item) => `${item.resourceType}/${item.id}`)).toEqual(['Medication/med1', 'Practitioner/pr9'])
    expect(request.requester).toEqual({ reference: '#pr9', display: 'Physician Family Medicine, MD' })
    expect(request.subject).toEqual({ reference: `${base}/Patient/eXyZ3`, display: 'Lopez, Camila' })
    expect(result.records[1]!.resource.encounter).toEqual({ reference: `${base}/Encounter/enc-not-in-file`, display: 'Office Visit' })
    expectReadable(result)
  })
})
