import { asList, asObject, conceptText, joined, moneyText, periodText, text } from './fhirText.ts'
import type { Describer } from './resourceDescribers.ts'

type Json = Record<string, unknown>
type Money = { value: number; currency?: string }

/** The amounts a patient looks for on a claim or an explanation of benefit. */
export type InsuranceAmounts = { billed?: Money; insurerPaid?: Money; patientPays?: Money }

const list = (value: unknown) => asList(value).map(asObject).filter((item): item is Json => item !== undefined)

function money(value: unknown): Money | undefined {
  const object = asObject(value)
  if (!object || typeof object.value !== 'number' || !Number.isFinite(object.value)) return undefined
  const currency = text(object.currency)
  return currency ? { value: object.value, currency } : { value: object.value }
}

function sum(amounts: (Money | undefined)[]): Money | undefined {
  const present = amounts.filter((amount): amount is Money => amount !== undefined)
  if (present.length === 0) return undefined
  const currency = present[0]?.currency
  const value = Math.round(present.reduce((total, amount) => total + amount.value, 0) * 100) / 100
  return currency ? { value, currency } : { value }
}

const codesOf = (concept: unknown) => list(asObject(concept)?.coding).map((coding) => text(coding.code)).filter(Boolean)
// Adjudication categories (http://terminology.hl7.org/CodeSystem/adjudication and CARIN BB) by what they mean to a patient.
const billedCodes = new Set(['submitted'])
const paidCodes = new Set(['benefit', 'paidtoprovider', 'paidbypayer'])
const patientCodes = new Set(['copay', 'deductible', 'coinsurance', 'paidbypatient', 'memberliability'])

function totalFor(resource: Json, codes: ReadonlySet<string>): Money | undefined {
  const totals = list(resource.total).filter((total) => codesOf(total.category).some((code) => code && codes.has(code)))
  if (totals.length > 0) return sum(totals.map((total) => money(total.amount)))
  // Else add up the items' adjudications of those categories.
  const adjudications = list(resource.item).flatMap((item) => list(item.adjudication))
  const matching = adjudications.filter((entry) => codesOf(entry.category).some((code) => code && codes.has(code)))
  return sum(matching.map((entry) => money(entry.amount)))
}

/** Billed, paid by the insurer and left to the patient, where the record says. */
export function insuranceAmounts(resource: Json): InsuranceAmounts {
  const amounts: InsuranceAmounts = {}
  if (resource.resourceType === 'Claim') {
    const billed = money(resource.total) ?? sum(list(resource.item).map((item) => money(item.net)))
    if (billed) amounts.billed = billed
    return amounts
  }
  if (resource.resourceType === 'ExplanationOfBenefit' || resource.resourceType === 'ClaimResponse') {
    const billed = totalFor(resource, billedCodes)
    const paid = money(asObject(resource.payment)?.amount) ?? totalFor(resource, paidCodes)
    const patient = totalFor(resource, patientCodes)
    if (billed) amounts.billed = billed
    if (paid) amounts.insurerPaid = paid
    if (patient) amounts.patientPays = patient
  }
  if (resource.resourceType === 'Invoice') {
    const total = money(resource.totalGross) ?? money(resource.totalNet)
    if (total) amounts.billed = total
  }
  return amounts
}

const firstService = (resource: Json) => list(resource.item).map((item) => conceptText(item.productOrService)).find(Boolean)
const claimType = (resource: Json) => conceptText(resource.type) ?? codesOf(resource.type)[0]
const serviceDate = (resource: Json) => {
  const item = list(resource.item)[0]
  return text(item?.servicedDate) ?? text(asObject(item?.servicedPeriod)?.start) ?? text(asObject(resource.billablePeriod)?.start) ?? text(resource.created)
}

function amountFields(resource: Json): [string, string | undefined][] {
  const amounts = insuranceAmounts(resource)
  return [
    ['Billed', moneyText(amounts.billed)],
    ['Insurer paid', moneyText(amounts.insurerPaid)],
    ['You pay', moneyText(amounts.patientPays)],
  ]
}

/** Views of coverage, claims, explanations of benefit and invoices, amounts first. */
export const insuranceDescribers: Record<string, Describer> = {
  Coverage: (r, ref) => {
    const payors = joined(asList(r.payor).map((item) => ref(item)))
    return {
      title: joined([payors, conceptText(r.type)], ' · ') ?? joined(list(r.class).map((item) => text(item.name) ?? text(item.value))),
      date: text(asObject(r.period)?.start),
      fields: [
        ['Insurer', payors],
        ['Plan', joined(list(r.class).map((item) => joined([conceptText(item.type), text(item.name) ?? text(item.value)], ': ')), '; ')],
        ['Type', conceptText(r.type)],
        ['Member ID', text(r.subscriberId)],
        ['Relationship', conceptText(r.relationship)],
        ['Period', periodText(r.period)],
        ['Status', text(r.status)],
      ],
    }
  },
  Claim: (r, ref) => {
    const service = firstService(r)
    return {
      title: service ? `Claim: ${service}` : joined(['Claim', claimType(r)], ': '),
      date: serviceDate(r),
      fields: [
        ['For', joined(list(r.item).map((item) => conceptText(item.productOrService)), '; ')],
        ...amountFields(r),
        ['Type', claimType(r)],
        ['Provider', ref(r.provider)],
        ['Where', ref(r.facility)],
        ['Insurance', joined(list(r.insurance).map((item) => ref(item.coverage)))],
        ['Prescription', ref(r.prescription)],
        ['Billing period', periodText(r.billablePeriod)],
        ['Status', text(r.status)],
      ],
    }
  },
  ExplanationOfBenefit: (r, ref) => {
    const service = firstService(r)
    return {
      title: service ? `Explanation of benefit: ${service}` : joined(['Explanation of benefit', claimType(r)], ': '),
      date: serviceDate(r),
      fields: [
        ['For', joined(list(r.item).map((item) => conceptText(item.productOrService)), '; ')],
        ...amountFields(r),
        ['Insurer', ref(r.insurer)],
        ['Insurance', joined(list(r.insurance).map((item) => ref(item.coverage)))],
        ['Provider', ref(r.provider)],
        ['Where', ref(r.facility)],
        ['Outcome', joined([text(r.outcome), text(r.disposition)])],
        ['Type', claimType(r)],
        ['Status', text(r.status)],
      ],
    }
  },
  ClaimResponse: (r, ref) => ({
    title: joined(['Claim response', ref(r.insurer)], ': '),
    date: text(r.created),
    fields: [...amountFields(r), ['Insurer', ref(r.insurer)], ['Outcome', joined([text(r.outcome), text(r.disposition)])], ['Status', text(r.status)]],
  }),
  Invoice: (r, ref) => ({
    title: joined(['Invoice', ref(r.issuer), moneyText(insuranceAmounts(r).billed)], ' · '),
    date: text(r.date),
    fields: [
      ['Items', joined(list(r.lineItem).map((item) => conceptText(item.chargeItemCodeableConcept) ?? ref(item.chargeItemReference)), '; ')],
      ['Total', moneyText(money(r.totalGross) ?? money(r.totalNet))],
      ['Issuer', ref(r.issuer)],
      ['Status', text(r.status)],
    ],
  }),
}
