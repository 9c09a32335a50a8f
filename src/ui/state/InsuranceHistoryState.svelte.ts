import type { Vault } from '../../core/vault/Vault.ts'
import type { RecordSummary } from '../../core/vault/types.ts'
import { recordCategoryOf } from '../../core/fhir/recordCategories.ts'
import { insuranceAmounts, type InsuranceAmounts } from '../../core/fhir/insuranceDescribers.ts'
import { referenceMatches } from '../../core/fhir/recordLinks.ts'
import { newestFirst } from './groupRecords.ts'
import { Progress } from './Progress.svelte.ts'
import { reportError } from './reportError.ts'

/** One coverage, claim or explanation of benefit with its amounts and who billed it, decrypted on this device. */
export type InsuranceLine = {
  record: RecordSummary
  amounts: InsuranceAmounts
  /** The provider or insurer, from the record's view. */
  party?: string
  /** For a coverage: the plan, member id and period. */
  detail?: string
}

type Money = { value: number; currency?: string }
export type InsuranceTotals = { currency: string; billed: number; insurerPaid: number; patientPays: number }[]

const insuranceTypes = new Set(['Claim', 'ExplanationOfBenefit', 'ClaimResponse', 'Invoice'])

/**
 * The Insurance history page's imported records: coverage, claims and explanations of benefit,
 * opened one by one (they live encrypted; amounts are not in the index), newest first.
 */
export class InsuranceHistoryState {
  coverages = $state.raw<InsuranceLine[]>([])
  claims = $state.raw<InsuranceLine[]>([])
  totals = $state.raw<InsuranceTotals>([])
  done = $state(0)
  total = $state(0)
  loading = $state(false)
  error = $state('')
  readonly progress = new Progress()
  private stopped = false

  constructor(private readonly vault: Vault) {}

  /** Reads every insurance record; a record that will not open is counted and skipped. */
  async load(records: readonly RecordSummary[]): Promise<void> {
    const wanted = records.filter((record) => recordCategoryOf(record) === 'insurance' && record.status?.state !== 'withdrawn').sort(newestFirst)
    this.loading = true
    this.error = ''
    this.done = 0
    this.total = wanted.length
    const coverages: InsuranceLine[] = []
    const claims: InsuranceLine[] = []
    let failed = 0
    if (wanted.length > 0) this.progress.begin('Reading your insurance records', wanted.length)
    for (const record of wanted) {
      if (this.stopped) return
      try {
        const opened = await this.vault.openRecord(record.cid)
        const field = (label: string) => opened.view.fields.find((item) => item.label === label)?.value
        if (record.resourceType === 'Coverage') {
          const detail = [field('Plan'), field('Member ID') ? `member ${field('Member ID')}` : undefined, field('Period')].filter(Boolean).join(' · ')
          coverages.push({ record, amounts: {}, ...(field('Insurer') ? { party: field('Insurer') } : {}), ...(detail ? { detail } : {}) })
        } else if (insuranceTypes.has(record.resourceType)) {
          // Where the care was: a bare practitioner number (an EOB's provider) tells a patient less.
          const party = field('Where') ?? field('Provider') ?? field('Insurer') ?? field('Issuer')
          claims.push({ record, amounts: insuranceAmounts(opened.resource), ...(party ? { party } : {}) })
        }
      } catch {
        failed++
      }
      this.done++
      this.progress.update(this.done, wanted.length)
      // Show lines as they come: a long history fills in while the patient reads.
      if (this.done % 25 === 0 || this.done === wanted.length) {
        this.coverages = [...coverages]
        this.claims = [...claims]
        this.totals = insuranceTotals(claims)
      }
    }
    this.coverages = coverages
    this.claims = claims
    this.totals = insuranceTotals(claims)
    if (failed > 0) this.error = reportError(new Error(`${failed} insurance record(s) could not be opened`), 'reading your insurance records')
    this.loading = false
    this.progress.end()
  }

  dispose(): void {
    this.stopped = true
    this.progress.end()
  }
}

/**
 * Sums per currency. An explanation of benefit and the claim it explains bill the same visit, so a
 * claim that an EOB points to is not billed twice.
 */
export function insuranceTotals(lines: readonly InsuranceLine[]): InsuranceTotals {
  const explained = lines.filter((line) => line.record.resourceType === 'ExplanationOfBenefit').flatMap((line) => line.record.refs ?? [])
  const isExplained = (line: InsuranceLine) =>
    line.record.resourceType === 'Claim' && line.record.fhirRef !== undefined && explained.some((ref) => referenceMatches(ref, line.record.fhirRef as string))
  const byCurrency = new Map<string, { currency: string; billed: number; insurerPaid: number; patientPays: number }>()
  const add = (money: Money | undefined, key: 'billed' | 'insurerPaid' | 'patientPays') => {
    if (!money) return
    const currency = money.currency ?? ''
    const entry = byCurrency.get(currency) ?? { currency, billed: 0, insurerPaid: 0, patientPays: 0 }
    entry[key] = Math.round((entry[key] + money.value) * 100) / 100
    byCurrency.set(currency, entry)
  }
  for (const line of lines) {
    if (!isExplained(line)) add(line.amounts.billed, 'billed')
    add(line.amounts.insurerPaid, 'insurerPaid')
    add(line.amounts.patientPays, 'patientPays')
  }
  return [...byCurrency.values()]
}
