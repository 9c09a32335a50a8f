import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildEmergencySummary } from '../../src/core/emergency/ips.ts'
import { InvalidEmergencySummaryError } from '../../src/core/emergency/emergencyErrors.ts'
import { parseEmergencySummary, readEmergencySummary } from '../../src/core/emergency/emergencySummaryView.ts'
import { ipsSections } from '../../src/core/emergency/ipsSections.ts'
import { summaryRecordFromVault } from '../../src/core/emergency/recordProvenance.ts'
import { validateIps } from '../../src/core/emergency/validateIps.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import { planFhirImport } from '../../src/core/fhir/import/planFhirImport.ts'
import { validateResource } from '../../src/core/fhir/validateResource.ts'
import { fhirFixtures } from '../support/fixtures.ts'
import { realisticExtras, realisticRecords, summaryOptions } from './support/emergencyRecords.ts'

type Section = { code: { coding: { system: string; code: string }[] }; entry?: { reference: string }[]; emptyReason?: { coding: { code: string }[] } }
const compositionOf = (bundle: FhirResource) => (bundle.entry as { resource: FhirResource }[])[0]!.resource as FhirResource & { section: Section[] }
const sectionCodes = (bundle: FhirResource) => compositionOf(bundle).section.map((section) => section.code.coding[0]!.code)
const section = (bundle: FhirResource, code: string) => compositionOf(bundle).section.find((item) => item.code.coding[0]!.code === code)
const ipsFixtures = readdirSync(fhirFixtures).filter((name) => name.startsWith('ips-bundle-'))

describe('the emergency summary (FHIR IPS document)', () => {
  it('a full vault gives a valid IPS document: required and used optional sections, blood group, contacts, provenance', () => {
    const bundle = buildEmergencySummary(realisticRecords, realisticExtras, summaryOptions)
    expect(validateIps(bundle)).toEqual([])
    expect(() => validateResource(bundle)).not.toThrow()
    expect(bundle.type).toBe('document')
    const composition = compositionOf(bundle)
    expect(composition.type).toMatchObject({ coding: [{ system: 'http://loinc.org', code: '60591-5' }] })
    expect(sectionCodes(bundle)).toEqual(['48765-2', '10160-0', '11450-4', '11348-0', '46264-8', '42348-3', '30954-2'])
    expect(section(bundle, '48765-2')!.entry).toHaveLength(5)
    expect(section(bundle, '10160-0')!.entry).toHaveLength(9)
    expect(section(bundle, '11450-4')!.entry).toHaveLength(6)
    expect(section(bundle, '11348-0')!.entry).toHaveLength(1)

    const view = readEmergencySummary(bundle)
    expect(view.patient.name).toBe('Alice Example')
    expect(view.bloodGroup?.text).toBe('A-')
    expect(view.allergies[0]).toMatchObject({ text: 'Penicillin', criticality: 'high', reactions: 'anaphylaxis', recordedBy: 'Dr. Ana Ruiz', recordedAt: '2024-03-02T10:00:00.000Z' })
    // Without a recorder the patient recorded it; the resource's own date stays; with neither, the build time.
    expect(view.allergies[2]).toMatchObject({ text: 'Latex', recordedBy: 'Alice Example', recordedAt: '2024-03-02' })
    expect(view.medications[1]).toMatchObject({ text: 'Apixaban 5 mg tablet', recordedBy: 'Alice Example', recordedAt: '2026-12-01T08:00:00.000Z' })
    expect(view.medications[0]).toMatchObject({ text: 'Metformin 500 mg tablet', detail: 'twice daily with meals', status: 'active' })
    expect(view.devices).toEqual([expect.objectContaining({ text: 'Cardiac pacemaker (MRI conditional)', recordedBy: 'Alice Example' })])
    expect(view.directives[0]!.text).toContain('No resuscitation')
    expect(view.contacts).toEqual([
      expect.objectContaining({ name: 'Bob Example', relation: 'husband', phone: '+49 170 1234567' }),
      expect.objectContaining({ name: 'Carol Example', relation: 'daughter' }),
    ])
    expect(view.lastUpdated).toBe('2026-12-01T08:00:00.000Z')
    expect(view.emptyReasons).toEqual({})
  })

  it('an empty vault gives a valid document whose required sections say why they are empty', () => {
    const bundle = buildEmergencySummary([], {}, { now: new Date('2026-12-01T00:00:00Z') })
    expect(validateIps(bundle)).toEqual([])
    expect(sectionCodes(bundle)).toEqual(['48765-2', '10160-0', '11450-4'])
    for (const code of ['48765-2', '10160-0', '11450-4']) {
      expect(section(bundle, code)!.entry).toBeUndefined()
      expect(section(bundle, code)!.emptyReason!.coding[0]!.code).toBe('unavailable')
    }
    const view = readEmergencySummary(bundle)
    expect(view.emptyReasons).toEqual({ allergies: 'No information available', medications: 'No information available', problems: 'No information available' })
    expect(view.allergies).toEqual([])
  })

  it('takes provenance from the vault: the caller\'s author, else the resource\'s recorder, else the patient; the vault\'s date', () => {
    const resource: FhirResource = { resourceType: 'Condition', code: { text: 'Epilepsy' }, subject: { reference: 'Patient/x' }, recorder: { reference: 'Practitioner/1', display: 'Dr. Kim Lee' } }
    const summary = { created: '2025-01-02T03:04:05.000Z', source: 'provider' as const }
    expect(summaryRecordFromVault({ resource, summary })).toEqual({ resource, recordedBy: 'Dr. Kim Lee', recordedAt: '2025-01-02T03:04:05.000Z' })
    expect(summaryRecordFromVault({ resource, summary }, 'Dr. Verified')).toMatchObject({ recordedBy: 'Dr. Verified' })
    const bare = { ...resource, recorder: { reference: 'Practitioner/1' } }
    expect(summaryRecordFromVault({ resource: bare, summary: { ...summary, source: 'form' } })).toEqual({ resource: bare, recordedAt: '2025-01-02T03:04:05.000Z' })
    const view = readEmergencySummary(buildEmergencySummary([summaryRecordFromVault({ resource, summary }), summaryRecordFromVault({ resource: bare, summary })], {}, summaryOptions))
    expect(view.problems.map((item) => item.recordedBy)).toEqual(['Dr. Kim Lee', 'Alice Example'])
  })

  it('references between records resolve inside the document; references to records left out keep only their text', () => {
    const medication: FhirResource = { resourceType: 'Medication', id: 'med1', code: { text: 'Warfarin 5 mg' } }
    const statement: FhirResource = { resourceType: 'MedicationStatement', status: 'active', medicationReference: { reference: 'Medication/med1' }, subject: { reference: 'Patient/x' }, informationSource: { reference: 'Practitioner/gone' } }
    const bundle = buildEmergencySummary([medication, statement], {}, summaryOptions)
    const entries = bundle.entry as { fullUrl: string; resource: FhirResource }[]
    const built = entries.find((entry) => entry.resource.resourceType === 'MedicationStatement')!.resource
    const medicationUrl = entries.find((entry) => entry.resource.resourceType === 'Medication')!.fullUrl
    expect(built.medicationReference).toEqual({ reference: medicationUrl })
    expect(built.informationSource).toEqual({ display: 'Not included in this summary' })
    expect(built.subject).toEqual({ reference: entries[1]!.fullUrl })
    expect(readEmergencySummary(bundle).medications[0]!.text).toBe('Warfarin 5 mg')
  })

  it.each(ipsFixtures)('the HL7 example %s is valid, and imported then exported keeps its sections', async (file) => {
    const text = readFileSync(path.join(fhirFixtures, file), 'utf8')
    const original = JSON.parse(text) as FhirResource
    expect(validateIps(original)).toEqual([])
    const imported = await planFhirImport(text, { fileName: file })
    expect(imported.rejected).toEqual([])
    const exported = buildEmergencySummary(imported.records.map((record) => record.resource), {}, summaryOptions)
    expect(validateIps(exported)).toEqual([])
    const known = new Set(Object.values(ipsSections).map((definition) => definition.code))
    for (const kept of compositionOf(original).section.filter((item) => known.has(item.code.coding[0]!.code))) {
      const code = kept.code.coding[0]!.code
      const again = section(exported, code)
      expect(again, `section ${code} of ${file}`).toBeDefined()
      if (kept.entry?.length) expect(again!.entry!.length, `entries of ${code} in ${file}`).toBeGreaterThanOrEqual(kept.entry.length)
      else expect(again!.emptyReason, `${code} in ${file} stays marked empty`).toBeDefined()
    }
    const before = readEmergencySummary(original)
    const after = readEmergencySummary(exported)
    expect(after.allergies.map((item) => item.text)).toEqual(before.allergies.map((item) => item.text))
    expect(after.medications.map((item) => item.text)).toEqual(before.medications.map((item) => item.text))
    expect(after.immunizations.length).toBe(before.immunizations.length)
  })

  it('reports a broken document: a missing required section, a wrong document code, an entry in the wrong section', () => {
    const good = buildEmergencySummary(realisticRecords, realisticExtras, summaryOptions)
    const missing = structuredClone(good)
    compositionOf(missing).section = compositionOf(missing).section.filter((item) => item.code.coding[0]!.code !== '48765-2')
    expect(validateIps(missing)).toEqual([expect.objectContaining({ path: 'Composition.section', problem: expect.stringContaining('Allergies') })])

    const wrongType = structuredClone(good)
    ;(compositionOf(wrongType).type as { coding: { code: string }[] }).coding[0]!.code = '34133-9'
    expect(validateIps(wrongType)).toEqual([expect.objectContaining({ path: 'Composition.type' })])

    const wrongSection = structuredClone(good)
    const sections = compositionOf(wrongSection).section
    sections.find((item) => item.code.coding[0]!.code === '48765-2')!.entry!.push(sections.find((item) => item.code.coding[0]!.code === '11450-4')!.entry![0]!)
    expect(validateIps(wrongSection)).toEqual([expect.objectContaining({ problem: expect.stringContaining('Condition, which does not belong in Allergies') })])

    const emptyNoReason = buildEmergencySummary([], {}, summaryOptions)
    delete compositionOf(emptyNoReason).section[0]!.emptyReason
    expect(validateIps(emptyNoReason)).toEqual([expect.objectContaining({ problem: expect.stringContaining('no entries and no emptyReason') })])

    const dangling = structuredClone(good)
    compositionOf(dangling).section[0]!.entry![0]!.reference = 'urn:uuid:00000000-0000-4000-8000-000000000000'
    expect(validateIps(dangling)).toEqual([expect.objectContaining({ problem: 'points to no entry of this Bundle' })])

    const collection = { ...structuredClone(good), type: 'collection' }
    expect(validateIps(collection).map((problem) => problem.path)).toContain('Bundle.type')
    expect(validateIps({ resourceType: 'Patient' })).toEqual([{ path: 'Bundle', problem: 'is not a FHIR Bundle' }])
    expect(() => readEmergencySummary(missing)).toThrow(InvalidEmergencySummaryError)
    expect(() => parseEmergencySummary(JSON.stringify(good).slice(0, 500))).toThrow(/is not JSON/)
    expect(parseEmergencySummary(JSON.stringify(good)).allergies).toHaveLength(5)
    expect(() => parseEmergencySummary(' '.repeat(6 * 1024 * 1024))).toThrow(/larger than 5 MB/)
  })

  it('never throws on hostile input: every shape becomes a list of problems', () => {
    const good = buildEmergencySummary(realisticRecords, realisticExtras, summaryOptions)
    const hostile: unknown[] = [
      null, 42, 'Bundle', [], { resourceType: 'Bundle' }, { resourceType: 'Bundle', type: 'document', entry: 'x' },
      { resourceType: 'Bundle', type: 'document', entry: [null, 1, { resource: 'x' }] },
      { resourceType: 'Bundle', type: 'document', entry: [{ fullUrl: 'a', resource: { resourceType: 'Composition', section: 'x', subject: 5 } }] },
      { ...good, entry: [{ fullUrl: 'a', resource: { ...compositionOf(good), section: [null, 1, { code: 'x', entry: [null, { reference: 7 }] }] } }] },
    ]
    for (const input of hostile) {
      const problems = validateIps(input)
      expect(problems.length, JSON.stringify(input)?.slice(0, 80)).toBeGreaterThan(0)
      expect(() => readEmergencySummary(input)).toThrow(InvalidEmergencySummaryError)
    }
  })

  it('an entry that breaks FHIR R4 is reported by the resource validator, and the builder refuses to export it', () => {
    const bad: FhirResource = { resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/x' }, criticality: 'deadly' }
    const error = (() => { try { buildEmergencySummary([bad], {}, summaryOptions) } catch (caught) { return caught } })()
    expect(error).toBeInstanceOf(InvalidEmergencySummaryError)
    expect((error as InvalidEmergencySummaryError).name).toBe('InvalidEmergencySummaryError')
    expect((error as InvalidEmergencySummaryError).shortMessage).toMatch(/^The emergency summary was not exported: .*criticality/)
  })
})
