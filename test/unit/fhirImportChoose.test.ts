import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { chooseRecords } from '../../src/core/fhir/import/chooseRecords.ts'
import { groupRejections } from '../../src/core/fhir/import/groupRejections.ts'
import { planFhirImport } from '../../src/core/fhir/import/planFhirImport.ts'
import { recordFingerprint } from '../../src/core/fhir/import/recordFingerprint.ts'
import { fhirFixtures } from '../support/fixtures.ts'

const bulk = readFileSync(`${fhirFixtures}/synthea/bulk-export-3-patients.ndjson`)
const planBulk = () => planFhirImport(new Uint8Array(bulk), { fileName: 'bulk.ndjson' })

describe('chooseRecords', () => {
  it('keeps only the chosen person\'s records and sets the others aside, naming whom they are about', async () => {
    const plan = await planBulk()
    const [sumiko, devin, denis] = plan.people
    const { toStore, setAside, duplicates } = chooseRecords(plan, { personKey: devin!.key, existingFingerprints: new Set() })
    expect(toStore).toHaveLength(devin!.records)
    expect(toStore.every((record) => record.personKey === devin!.key)).toBe(true)
    expect(setAside).toHaveLength(sumiko!.records + denis!.records)
    expect(new Set(setAside.map((item) => item.person))).toEqual(new Set([sumiko!.name, denis!.name]))
    expect(setAside[0]!.reason).toMatch(/^This record is about .+, not the person you chose, so it was set aside, not stored\.$/)
    expect(duplicates).toBe(0)
  })

  it('recognises records already in the vault and repeats within the file', async () => {
    const plan = await planBulk()
    const devin = plan.people[1]!
    const first = chooseRecords(plan, { personKey: devin.key, existingFingerprints: new Set() })
    const again = chooseRecords(await planBulk(), { personKey: devin.key, existingFingerprints: new Set(first.toStore.map((record) => record.fingerprint)) })
    expect(again.toStore).toEqual([])
    expect(again.duplicates).toBe(first.toStore.length)
    const doubled = { ...plan, records: [...plan.records, ...plan.records] }
    expect(chooseRecords(doubled, { personKey: devin.key, existingFingerprints: new Set() }).duplicates).toBe(devin.records)
  })

  it('stores records of a file about nobody in particular, and sets aside unattributed records of a file about several people', async () => {
    const practitioner = JSON.stringify({ resourceType: 'Basic', code: { text: 'Note to self' } })
    const lone = await planFhirImport(practitioner, { fileName: 'note.json' })
    expect(chooseRecords(lone, { personKey: undefined, existingFingerprints: new Set() }).toStore).toHaveLength(1)
    const several = await planBulk()
    const withLoose = { ...several, records: [...several.records, { ...lone.records[0]! }] }
    const chosen = chooseRecords(withLoose, { personKey: several.people[0]!.key, existingFingerprints: new Set() })
    expect(chosen.setAside.at(-1)).toMatchObject({ person: 'someone the file does not name', reason: expect.stringContaining('does not say whom it is about') })
  })
})

describe('recordFingerprint', () => {
  it('ignores meta (a server rewrites it on every export) and nothing else', () => {
    const resource = { resourceType: 'Condition', id: 'c1', code: { text: 'Asthma' } }
    const fingerprint = recordFingerprint(resource)
    expect(recordFingerprint({ ...resource, meta: { lastUpdated: '2026-01-01T00:00:00Z', versionId: '7' } })).toBe(fingerprint)
    expect(recordFingerprint({ code: { text: 'Asthma' }, id: 'c1', resourceType: 'Condition' })).toBe(fingerprint)
    expect(recordFingerprint({ ...resource, code: { text: 'Asthma, severe' } })).not.toBe(fingerprint)
  })
})

describe('groupRejections', () => {
  it('groups by reason, most frequent first, with the first items as examples', () => {
    const items = [
      ...Array.from({ length: 1745 }, (_, n) => ({ item: `f.json entry ${n}`, reason: 'Not valid FHIR R4: X.' })),
      { item: 'f.json entry 9999', reason: 'Other.' },
    ]
    expect(groupRejections(items)).toEqual([
      { reason: 'Not valid FHIR R4: X.', count: 1745, examples: ['f.json entry 0', 'f.json entry 1', 'f.json entry 2'] },
      { reason: 'Other.', count: 1, examples: ['f.json entry 9999'] },
    ])
    expect(groupRejections(items, { examples: 1 })[0]!.examples).toEqual(['f.json entry 0'])
  })
})

describe('npm run fhir-check', () => {
  const run = (...files: string[]) =>
    promisify(execFile)('npx', ['tsx', 'scripts/fhirCheck.ts', ...files], { cwd: new URL('../..', import.meta.url).pathname }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    )

  it('prints one line per file and exits 0 when everything is accepted', async () => {
    const { code, stdout } = await run(`${fhirFixtures}/us-core/goal-1.json`, `${fhirFixtures}/synthea/bulk-export-3-patients.ndjson`)
    expect(code).toBe(0)
    expect(stdout).toContain('goal-1.json: accepted 1, rejected 0 (about 1 person')
    expect(stdout).toContain('bulk-export-3-patients.ndjson: accepted 142, rejected 0 (about 3 people, 33 context resources)')
  }, 60_000)

  it('lists each rejection with its reason and exits non-zero', async () => {
    const { code, stdout } = await run(`${fhirFixtures}/invalid/us-core-diagnosticreport-cbc.json`)
    expect(code).toBe(1)
    expect(stdout).toContain('us-core-diagnosticreport-cbc.json: accepted 0, rejected 1')
    expect(stdout).toContain('  us-core-diagnosticreport-cbc.json (DiagnosticReport): Not valid FHIR R4: DiagnosticReport.text.div is required but missing.')
  }, 60_000)
})
