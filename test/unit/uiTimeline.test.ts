import { describe, expect, it } from 'vitest'
import type { RecordSummary } from '../../src/core/vault/types.ts'
import { buildTimeline } from '../../src/ui/state/timeline.ts'
import { insuranceTotals, type InsuranceLine } from '../../src/ui/state/InsuranceHistoryState.svelte.ts'

const record = (cid: string, resourceType: string, date: string | undefined, links: Partial<RecordSummary> = {}): RecordSummary => ({
  cid, scope: 'notes', resourceType, title: cid, created: '2025-01-01T00:00:00Z', source: 'import', searchText: cid,
  ...(date ? { date } : {}), ...links,
})

const visit = record('visit', 'Encounter', '1985-01-09T14:59:56-05:00', { fhirRef: 'Encounter/e1' })
const diagnosis = record('diagnosis', 'Condition', '1985-01-09T14:59:56-05:00', { fhirRef: 'Condition/c1', refs: ['urn:uuid:e1'] })
const prescription = record('prescription', 'MedicationRequest', '1985-01-09T15:00:00-05:00', { fhirRef: 'MedicationRequest/m1', refs: ['Encounter/e1'] })
const checkUp = record('check-up', 'Encounter', '1979-01-02T11:44:52-05:00', { fhirRef: 'Encounter/e0' })
const undated = record('undated', 'Device', undefined)

describe('the timeline', () => {
  const all = [checkUp, undated, visit, diagnosis, prescription]

  it('runs newest first by year, undated last, and counts each record\'s links both ways', () => {
    const timeline = buildTimeline(all, {})
    expect(timeline.years.map((year) => year.year)).toEqual(['1985', '1979', 'Undated'])
    expect(timeline.years[0]!.entries.map((entry) => [entry.record.cid, entry.links])).toEqual([['prescription', 1], ['visit', 2], ['diagnosis', 1]])
    expect(timeline.years[0]!.entries.find((entry) => entry.record.cid === 'visit')?.categoryLabel).toBe('Visits')
    expect(timeline.shown).toBe(5)
  })

  it('filters by kind and by the records a search matched, keeping every kind\'s count', () => {
    const visits = buildTimeline(all, { category: 'visits' })
    expect(visits.years.flatMap((year) => year.entries.map((entry) => entry.record.cid))).toEqual(['visit', 'check-up'])
    expect(visits.categories).toEqual([
      { id: 'visits', label: 'Visits', count: 2 },
      { id: 'conditions', label: 'Conditions', count: 1 },
      { id: 'medications', label: 'Medications', count: 1 },
      { id: 'devices', label: 'Devices', count: 1 },
    ])
    expect(buildTimeline(all, { matches: new Set(['diagnosis']) }).shown).toBe(1)
    expect(buildTimeline(all, { category: 'visits', matches: new Set(['diagnosis']) }).shown).toBe(0)
  })
})

describe('insurance totals', () => {
  it('adds amounts per currency and does not bill a claim twice when its explanation of benefit is there', () => {
    const line = (summary: RecordSummary, amounts: InsuranceLine['amounts']): InsuranceLine => ({ record: summary, amounts })
    const claim = record('claim', 'Claim', '1979', { fhirRef: 'Claim/k1' })
    const eob = record('eob', 'ExplanationOfBenefit', '1979', { fhirRef: 'ExplanationOfBenefit/x1', refs: ['urn:uuid:k1'] })
    const pharmacy = record('pharmacy', 'Claim', '1985', { fhirRef: 'Claim/k2' })
    const usd = (value: number) => ({ value, currency: 'USD' })
    expect(insuranceTotals([
      line(claim, { billed: usd(129.16) }),
      line(eob, { billed: usd(129.16), insurerPaid: usd(100), patientPays: usd(29.16) }),
      line(pharmacy, { billed: usd(5.28) }),
      line(record('eur', 'ExplanationOfBenefit', '2020'), { billed: { value: 10, currency: 'EUR' } }),
    ])).toEqual([
      { currency: 'USD', billed: 134.44, insurerPaid: 100, patientPays: 29.16 },
      { currency: 'EUR', billed: 10, insurerPaid: 0, patientPays: 0 },
    ])
  })
})
