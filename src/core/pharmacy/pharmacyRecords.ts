import { formatEther } from 'viem'
import { FormInputError } from '../fhir/fhirErrors.ts'
import type { CodeableConcept, FhirResource, Reference } from '../fhir/fhirTypes.ts'
import { selfReference } from '../fhir/recordForms.ts'
import { validateResource } from '../fhir/validateResource.ts'

/**
 * The FHIR side of a prescription's path (issue 12): the doctor's overridden warnings kept
 * on the MedicationRequest, the signed token carried with it, the pharmacist's
 * MedicationDispense (or refusal) and Invoice, and the patient's receipt. Pure builders:
 * every output is validated R4.
 */

/** The extension that carries the encoded PrescriptionToken on the MedicationRequest the patient keeps. */
export const prescriptionTokenExtensionUrl = 'https://salus.health/fhir/StructureDefinition/prescription-token'

/** A prescribing warning as the lead's checks give it (src/core/pharmacy/checks, interfaces14.md). */
export type PrescribingWarningLike = {
  rule: 'allergy' | 'duplicate' | 'interaction'
  severity: 'high' | 'moderate'
  message: string
  recordRef?: string
  source: string
}

/** A warning the doctor went on past, with their reason. */
export type WarningOverride = { warning: PrescribingWarningLike; reason: string }

const maxReasonLength = 500

/** v3-ActCode detected-issue codes for each rule. */
const issueCodes: Record<PrescribingWarningLike['rule'], { code: string; display: string }> = {
  allergy: { code: 'DALG', display: 'Drug allergy alert' },
  duplicate: { code: 'DUPTHPY', display: 'Duplicate therapy alert' },
  interaction: { code: 'DRG', display: 'Drug interaction alert' },
}

const maxIssueDetail = 110

/** `text` cut at the last word boundary that fits `max`, with an ellipsis. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text
  const cut = text.slice(0, max - 1)
  const space = cut.lastIndexOf(' ')
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`
}

/**
 * The MedicationRequest with each overridden warning kept as a contained DetectedIssue
 * (what the check said, cut at a word to keep the QR code small) whose `mitigation` holds
 * the doctor's reason; `detectedIssue` points to each.
 * Every warning must have a reason (FormInputError `override-<i>` otherwise).
 */
export function withOverriddenWarnings(request: FhirResource, overrides: readonly WarningOverride[]): FhirResource {
  if (overrides.length === 0) return request
  const contained = overrides.map(({ warning, reason }, i) => {
    const text = typeof reason === 'string' ? reason.trim() : ''
    if (!text) throw new FormInputError(`override-${i}`, `Give a reason to go on despite the warning: “${warning.message}”.`)
    if (text.length > maxReasonLength) throw new FormInputError(`override-${i}`, `The reason is too long: at most ${maxReasonLength} characters.`)
    // Compact on purpose: the signed MedicationRequest travels in a QR code, so each issue keeps
    // what a pharmacist reads (rule, severity, the record, the check's words cut at a word, the
    // reason); the author and date are the request's own, the table's source stays with the
    // doctor (the checks show it while prescribing).
    return {
      resourceType: 'DetectedIssue',
      id: `warning-${i + 1}`,
      status: 'final',
      code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', ...issueCodes[warning.rule] }], text: warning.rule },
      severity: warning.severity,
      ...(warning.recordRef ? { implicated: [{ display: warning.recordRef.slice(0, 64) }] } : {}),
      detail: clip(warning.message, maxIssueDetail),
      mitigation: [{ action: { text: `Prescribed despite the warning: ${text}` } }],
    }
  })
  return validateResource({
    ...request,
    contained: [...((request.contained as FhirResource[] | undefined) ?? []), ...contained],
    detectedIssue: contained.map((issue) => ({ reference: `#${issue.id}`, display: issueCodes[(issue.code.text as PrescribingWarningLike['rule'])].display })),
  })
}

/** The warnings a MedicationRequest carries as overridden (what a pharmacist and the patient read). */
export function overriddenWarningsOf(request: FhirResource): { rule: string; severity: string; detail: string; reason: string }[] {
  const contained = Array.isArray(request.contained) ? (request.contained as FhirResource[]) : []
  return contained
    .filter((item) => item?.resourceType === 'DetectedIssue')
    .map((issue) => ({
      rule: String((issue.code as CodeableConcept | undefined)?.text ?? ''),
      severity: String(issue.severity ?? ''),
      detail: String(issue.detail ?? ''),
      reason: String(((issue.mitigation as { action?: CodeableConcept }[] | undefined)?.[0]?.action?.text ?? '').replace(/^Prescribed despite the warning: /, '')),
    }))
}

/** The MedicationRequest as the patient keeps it: with its encoded token in an extension. */
export function withPrescriptionToken(request: FhirResource, encodedToken: string): FhirResource {
  const others = ((request.extension as { url: string }[] | undefined) ?? []).filter((item) => item.url !== prescriptionTokenExtensionUrl)
  return validateResource({ ...request, extension: [...others, { url: prescriptionTokenExtensionUrl, valueString: encodedToken }] })
}

/** The encoded token a kept MedicationRequest carries, or undefined (an imported prescription has none). */
export function prescriptionTokenText(resource: FhirResource): string | undefined {
  if (resource.resourceType !== 'MedicationRequest' || !Array.isArray(resource.extension)) return undefined
  const found = (resource.extension as { url?: string; valueString?: unknown }[]).find((item) => item?.url === prescriptionTokenExtensionUrl)
  return typeof found?.valueString === 'string' ? found.valueString : undefined
}

/** The MedicationRequest without the token extension: what the token's hash covers. */
export function withoutPrescriptionToken(resource: FhirResource): FhirResource {
  if (!Array.isArray(resource.extension)) return resource
  const { extension, ...rest } = resource
  const others = (extension as { url?: string }[]).filter((item) => item?.url !== prescriptionTokenExtensionUrl)
  return others.length > 0 ? { ...rest, extension: others } : rest
}

/** The pharmacist as the records name them: their account (Practitioner id), name and pharmacy. */
export type PharmacistAuthor = { account: string; name: string; pharmacy: string }

function pharmacistReference(p: PharmacistAuthor): Reference {
  if (!/^0x[0-9a-fA-F]{40}$/.test(p.account)) throw new FormInputError('pharmacist', 'The pharmacist’s account is not a valid address; sign in again.')
  return { reference: `Practitioner/${p.account.toLowerCase()}`, type: 'Practitioner', display: p.name.slice(0, 200) || p.account }
}

/** The identifier naming a prescription by its salted on-chain hash (no content, no patient). */
export const prescriptionIdentifierSystem = 'urn:salus:prescription-hash'
/** The identifier of an invoice on the Pharmacy contract: `<chainId>/<contract>/<id>`. */
export const invoiceIdentifierSystem = 'urn:salus:pharmacy-invoice'

export type BuildDispenseParameters = {
  request: FhirResource
  rxHash: string
  pharmacist: PharmacistAuthor
  /** ISO dateTime. */
  when: string
  /** Which fill this is: 1 for the first, 2 for the first repeat… */
  fill: number
  fills: number
}

/** The pharmacist's record of a fill: MedicationDispense (completed) with the medication and dosage of the request. */
export function buildMedicationDispense(p: BuildDispenseParameters): FhirResource {
  const request = p.request
  const performer = pharmacistReference(p.pharmacist)
  return validateResource({
    resourceType: 'MedicationDispense',
    id: crypto.randomUUID(),
    status: 'completed',
    medicationCodeableConcept: request.medicationCodeableConcept ?? { text: 'Medication' },
    subject: selfReference,
    performer: [{ actor: performer }],
    location: { display: p.pharmacist.pharmacy.slice(0, 200) },
    authorizingPrescription: [{ identifier: { system: prescriptionIdentifierSystem, value: p.rxHash }, display: `Prescription, fill ${p.fill} of ${p.fills}` }],
    type: { text: p.fill === 1 ? 'First fill' : `Repeat fill (${p.fill} of ${p.fills})` },
    whenPrepared: p.when,
    whenHandedOver: p.when,
    ...(Array.isArray(request.dosageInstruction) ? { dosageInstruction: request.dosageInstruction } : {}),
  })
}

/** A refusal: MedicationDispense (declined) with the pharmacist's reason. */
export function buildRefusedDispense(p: Omit<BuildDispenseParameters, 'fill' | 'fills'> & { reason: string }): FhirResource {
  const reason = p.reason.trim()
  if (!reason) throw new FormInputError('reason', 'Say why the prescription is refused: the patient reads it.')
  if (reason.length > maxReasonLength) throw new FormInputError('reason', `The reason is too long: at most ${maxReasonLength} characters.`)
  return validateResource({
    resourceType: 'MedicationDispense',
    id: crypto.randomUUID(),
    status: 'declined',
    statusReasonCodeableConcept: { text: reason },
    medicationCodeableConcept: p.request.medicationCodeableConcept ?? { text: 'Medication' },
    subject: selfReference,
    performer: [{ actor: pharmacistReference(p.pharmacist) }],
    location: { display: p.pharmacist.pharmacy.slice(0, 200) },
    authorizingPrescription: [{ identifier: { system: prescriptionIdentifierSystem, value: p.rxHash } }],
  })
}

export type BuildInvoiceParameters = {
  pharmacist: PharmacistAuthor
  medication: string
  /** Wei, exactly what the chain's invoice asks. */
  amount: bigint
  /** `<chainId>/<pharmacy contract>/<invoice id>`. */
  invoiceRef: string
  rxHash: string
  date: string
}

/** The pharmacy's invoice to the patient (issued): the amount in ETH, named by its on-chain invoice. */
export function buildPharmacyInvoice(p: BuildInvoiceParameters): FhirResource {
  if (p.amount <= 0n) throw new FormInputError('price', 'The price must be more than zero.')
  const money = { value: Number(formatEther(p.amount)), currency: 'ETH' }
  return validateResource({
    resourceType: 'Invoice',
    id: crypto.randomUUID(),
    identifier: [{ system: invoiceIdentifierSystem, value: p.invoiceRef }],
    status: 'issued',
    type: { text: 'Pharmacy invoice' },
    subject: selfReference,
    date: p.date,
    issuer: { display: p.pharmacist.pharmacy.slice(0, 200) },
    participant: [{ role: { text: 'Dispensing pharmacist' }, actor: pharmacistReference(p.pharmacist) }],
    lineItem: [{ sequence: 1, chargeItemCodeableConcept: { text: p.medication.slice(0, 200) }, priceComponent: [{ type: 'base', amount: money }] }],
    totalGross: money,
    totalNet: money,
    note: [{ text: `Amount due: ${formatEther(p.amount)} ETH (${p.amount} wei). Prescription ${p.rxHash}.` }],
  })
}

/** The receipt: the invoice, balanced, with how it was paid and the transaction that paid it. */
export function invoiceReceipt(invoice: FhirResource, payment: { txHash: string; covered: boolean; paidAt: string }): FhirResource {
  const notes = Array.isArray(invoice.note) ? (invoice.note as { text: string }[]) : []
  return validateResource({
    ...invoice,
    id: crypto.randomUUID(),
    status: 'balanced',
    identifier: [...((invoice.identifier as unknown[] | undefined) ?? []), { system: 'urn:salus:transaction', value: payment.txHash }],
    paymentTerms: payment.covered ? 'Paid by the insurer’s pool (covered; the proof names no member)' : 'Paid in ETH from the patient’s wallet',
    note: [...notes, { text: `Paid ${payment.paidAt} in transaction ${payment.txHash}.` }],
  })
}
