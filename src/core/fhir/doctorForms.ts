import { FormInputError, FhirValidationError } from './fhirErrors.ts'
import type { Attachment, FhirResource, Quantity, Reference } from './fhirTypes.ts'
import { finiteNumber, optionalChoice, optionalDate, optionalText, requiredDate, requiredText, utf8ToBase64 } from './formValues.ts'
import { dateTimeBound } from './primitives.ts'
import { selfReference } from './recordForms.ts'
import { isUcumCode } from './ucum.ts'
import { validateResource } from './validateResource.ts'

/**
 * The doctor's forms (issue 10, "Doctor, writing back"): form values → FHIR R4 with the
 * doctor as author / recorder / requester (a Practitioner reference naming their account,
 * with their directory name as display) and the visit date. Like recordForms.ts, we never
 * invent codes (what the doctor typed becomes CodeableConcept.text), every builder checks
 * its input (FormInputError names the field) and validates its output.
 *
 * `validateDoctorResource` is the patient's side: a write-back's resource must be one of
 * these types, valid R4, and name the account that signed it as its author.
 */

/** The doctor writing: their account (Registry) and the name their directory entry shows. */
export type DoctorAuthor = { account: string; name: string }

/** What every doctor's form shares: who wrote it and the visit it belongs to (YYYY-MM-DD or a dateTime). */
export type VisitContext = { author: DoctorAuthor; visitDate: string }

/** Resource types a doctor may write back (and a patient's inbox accepts). */
export const doctorResourceTypes = ['DocumentReference', 'Condition', 'Observation', 'DiagnosticReport', 'Immunization', 'MedicationRequest'] as const
export type DoctorResourceType = (typeof doctorResourceTypes)[number]

/** A report's PDF or image: 750 KiB of file is 1 MiB of base64, which a care-node mailbox entry holds. */
export const maxReportAttachmentBytes = 750 * 1024
export const reportContentTypes = ['application/pdf', 'image/png', 'image/jpeg'] as const
export type ReportContentType = (typeof reportContentTypes)[number]

const accountPattern = /^0x[0-9a-fA-F]{40}$/

/** The Practitioner reference of a doctor: their account is the id, their name the display. */
export function practitionerReference(author: DoctorAuthor): Reference {
  if (typeof author !== 'object' || author === null || typeof author.account !== 'string' || !accountPattern.test(author.account)) {
    throw new FormInputError('author', 'The doctor’s account is not a valid address; sign in again.')
  }
  const name = requiredText('author', 'The doctor’s name', author.name, 200)
  return { reference: `Practitioner/${author.account.toLowerCase()}`, type: 'Practitioner', display: name }
}

function context(p: VisitContext): { author: Reference; visitDate: string } {
  if (typeof p !== 'object' || p === null) throw new FormInputError('author', 'The form is empty.')
  return { author: practitionerReference(p.author), visitDate: requiredDate('visitDate', 'The visit date', p.visitDate) }
}

function finish(resource: FhirResource): FhirResource {
  return validateResource({ ...resource, id: crypto.randomUUID() })
}

const now = () => new Date().toISOString()
const notes = (note: string | undefined, author: Reference) => (note ? { note: [{ text: note, authorReference: author }] } : {})

function quantity(value: number, unit: string): Quantity {
  return isUcumCode(unit) ? { value, unit, system: 'http://unitsofmeasure.org', code: unit } : { value, unit }
}

export type BuildVisitNoteParameters = VisitContext & { title: string; text: string }

/** A visit note: DocumentReference with the text inline (text/plain), the doctor as author, the visit as its period. */
export function buildVisitNote(p: BuildVisitNoteParameters): FhirResource {
  const { author, visitDate } = context(p)
  const title = requiredText('title', 'The title', p.title, 200)
  const text = requiredText('text', 'The note', p.text, 100_000)
  return finish({
    resourceType: 'DocumentReference',
    status: 'current',
    docStatus: 'final',
    type: { text: 'Visit note' },
    subject: selfReference,
    date: now(),
    author: [author],
    description: title,
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: utf8ToBase64(text), title } }],
    context: { period: { start: visitDate } },
  })
}

const conditionStatuses = ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'] as const
const verificationStatuses = ['unconfirmed', 'provisional', 'differential', 'confirmed', 'refuted'] as const

export type BuildDiagnosisParameters = VisitContext & {
  name: string
  clinicalStatus?: string
  verificationStatus?: string
  onset?: string
  note?: string
}

/** A diagnosis: Condition recorded and asserted by the doctor on the visit date. */
export function buildDiagnosis(p: BuildDiagnosisParameters): FhirResource {
  const { author, visitDate } = context(p)
  const name = requiredText('name', 'The diagnosis', p.name, 200)
  const status = optionalChoice('clinicalStatus', 'Status', p.clinicalStatus, conditionStatuses) ?? 'active'
  const verification = optionalChoice('verificationStatus', 'Verification', p.verificationStatus, verificationStatuses) ?? 'confirmed'
  const onset = optionalDate('onset', 'The onset date', p.onset)
  return finish({
    resourceType: 'Condition',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: status }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: verification }] },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
    code: { text: name },
    subject: selfReference,
    ...(onset ? { onsetDateTime: onset } : {}),
    recordedDate: visitDate,
    recorder: author,
    asserter: author,
    ...notes(optionalText('note', 'The note', p.note, 5000), author),
  })
}

export type BuildResultParameters = VisitContext & {
  test: string
  value: number
  unit: string
  /** When the sample was taken; the visit date by default. */
  date?: string
  referenceLow?: number
  referenceHigh?: number
  interpretation?: string
}

/** A result: Observation (laboratory) performed by the doctor. */
export function buildResult(p: BuildResultParameters): FhirResource {
  const { author, visitDate } = context(p)
  const test = requiredText('test', 'The test name', p.test, 200)
  const value = finiteNumber('value', 'The result', p.value, true)!
  const unit = requiredText('unit', 'The unit', p.unit, 64)
  const date = optionalDate('date', 'The test date', p.date) ?? visitDate
  const low = finiteNumber('referenceLow', 'The lower reference limit', p.referenceLow, false)
  const high = finiteNumber('referenceHigh', 'The upper reference limit', p.referenceHigh, false)
  if (low !== undefined && high !== undefined && low > high) throw new FormInputError('referenceHigh', 'The upper reference limit must not be below the lower one.')
  const interpretation = optionalText('interpretation', 'The interpretation', p.interpretation, 200)
  return finish({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] }],
    code: { text: test },
    subject: selfReference,
    effectiveDateTime: date,
    issued: now(),
    performer: [author],
    valueQuantity: quantity(value, unit),
    ...(interpretation ? { interpretation: [{ text: interpretation }] } : {}),
    ...(low !== undefined || high !== undefined
      ? { referenceRange: [{ ...(low !== undefined ? { low: quantity(low, unit) } : {}), ...(high !== undefined ? { high: quantity(high, unit) } : {}) }] }
      : {}),
  })
}

export type ReportFile = { contentType: string; title: string; bytes: Uint8Array }

export type BuildDiagnosticReportParameters = VisitContext & {
  title: string
  conclusion?: string
  /** Imaging (radiology) rather than laboratory: decides the report's scope. */
  imaging?: boolean
  file: ReportFile
}

/** A report with its PDF or image inline (presentedForm, base64), at most maxReportAttachmentBytes. */
export function buildDiagnosticReport(p: BuildDiagnosticReportParameters): FhirResource {
  const { author, visitDate } = context(p)
  const title = requiredText('title', 'The report title', p.title, 200)
  const conclusion = optionalText('conclusion', 'The conclusion', p.conclusion, 5000)
  const attachment = reportAttachment(p.file)
  return finish({
    resourceType: 'DiagnosticReport',
    status: 'final',
    category: [
      p.imaging
        ? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }
        : { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }] },
    ],
    code: { text: title },
    subject: selfReference,
    effectiveDateTime: visitDate,
    issued: now(),
    performer: [author],
    resultsInterpreter: [author],
    ...(conclusion ? { conclusion } : {}),
    presentedForm: [attachment],
  })
}

function reportAttachment(file: ReportFile): Attachment {
  if (typeof file !== 'object' || file === null || !(file.bytes instanceof Uint8Array)) throw new FormInputError('file', 'Choose a PDF or image file to attach.')
  const contentType = optionalChoice('file', 'The file type', file.contentType, reportContentTypes)
  if (!contentType) throw new FormInputError('file', 'Choose a PDF or image file to attach.')
  if (file.bytes.byteLength === 0) throw new FormInputError('file', 'The file is empty.')
  if (file.bytes.byteLength > maxReportAttachmentBytes) {
    throw new FormInputError('file', `The file is too large (${Math.ceil(file.bytes.byteLength / 1024)} KiB): attach at most ${maxReportAttachmentBytes / 1024} KiB (compress or scan at a lower resolution).`)
  }
  if (!startsLike(file.bytes, contentType)) throw new FormInputError('file', `The file is not a ${contentType === 'application/pdf' ? 'PDF' : contentType === 'image/png' ? 'PNG image' : 'JPEG image'}, though it is named as one.`)
  const title = requiredText('file', 'The file name', file.title, 255)
  return { contentType, data: bytesToBase64(file.bytes), size: file.bytes.byteLength, title, creation: now() }
}

/** The file's first bytes match its declared type (%PDF-, the PNG signature, or a JPEG SOI marker). */
function startsLike(bytes: Uint8Array, contentType: ReportContentType): boolean {
  const magic: Record<ReportContentType, number[]> = {
    'application/pdf': [0x25, 0x50, 0x44, 0x46, 0x2d],
    'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    'image/jpeg': [0xff, 0xd8, 0xff],
  }
  return magic[contentType].every((byte, i) => bytes[i] === byte)
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let index = 0; index < bytes.length; index += 0x8000) binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000))
  return btoa(binary)
}

export type BuildImmunizationGivenParameters = VisitContext & {
  vaccine: string
  /** When it was given; the visit date by default. */
  date?: string
  lotNumber?: string
  site?: string
  route?: string
  doseNumber?: number
}

/** A vaccination the doctor gave: Immunization with the doctor as performer. */
export function buildImmunizationGiven(p: BuildImmunizationGivenParameters): FhirResource {
  const { author, visitDate } = context(p)
  const vaccine = requiredText('vaccine', 'The vaccine', p.vaccine, 200)
  const date = optionalDate('date', 'The vaccination date', p.date) ?? visitDate
  const lotNumber = optionalText('lotNumber', 'The lot number', p.lotNumber, 100)
  const site = optionalText('site', 'The injection site', p.site, 200)
  const route = optionalText('route', 'The route', p.route, 200)
  if (p.doseNumber !== undefined && (!Number.isSafeInteger(p.doseNumber) || p.doseNumber < 1)) throw new FormInputError('doseNumber', 'The dose number must be a whole number from 1.')
  return finish({
    resourceType: 'Immunization',
    status: 'completed',
    vaccineCode: { text: vaccine },
    patient: selfReference,
    occurrenceDateTime: date,
    recorded: now(),
    primarySource: true,
    ...(lotNumber ? { lotNumber } : {}),
    ...(site ? { site: { text: site } } : {}),
    ...(route ? { route: { text: route } } : {}),
    performer: [{ actor: author }],
    ...(p.doseNumber !== undefined ? { protocolApplied: [{ doseNumberPositiveInt: p.doseNumber }] } : {}),
  })
}

const periodUnits = ['h', 'd', 'wk', 'mo'] as const
const periodUnitWords: Record<(typeof periodUnits)[number], string> = { h: 'hour', d: 'day', wk: 'week', mo: 'month' }

export type BuildPrescriptionParameters = VisitContext & {
  medication: string
  /** One dose, e.g. 500 mg or 1 tablet. */
  dose: { value: number; unit: string }
  /** e.g. oral, inhaled, subcutaneous. */
  route: string
  /** `times` doses every `period` `periodUnit` (2 every 1 d = twice a day). */
  frequency: { times: number; period: number; periodUnit: string }
  /** How many days the course lasts. */
  durationDays: number
  /** Refills after the first fill (0 = none). */
  repeats: number
  /** Extra instructions, e.g. "with food". */
  instructions?: string
  reason?: string
}

/** A prescription: MedicationRequest (order) with dose, route, timing, duration and repeats, requested by the doctor. */
export function buildPrescription(p: BuildPrescriptionParameters): FhirResource {
  const { author, visitDate } = context(p)
  const medication = requiredText('medication', 'The medication', p.medication, 200)
  if (typeof p.dose !== 'object' || p.dose === null) throw new FormInputError('dose', 'Please enter the dose.')
  const doseValue = finiteNumber('dose', 'The dose', p.dose.value, true)!
  if (doseValue <= 0) throw new FormInputError('dose', 'The dose must be more than zero.')
  const doseUnit = requiredText('dose', 'The dose unit', p.dose.unit, 64)
  const route = requiredText('route', 'The route', p.route, 200)
  if (typeof p.frequency !== 'object' || p.frequency === null) throw new FormInputError('frequency', 'Please enter how often.')
  const { times, period } = p.frequency
  if (!Number.isSafeInteger(times) || times < 1 || times > 48) throw new FormInputError('frequency', 'How often must be a whole number of doses from 1 to 48.')
  if (typeof period !== 'number' || !Number.isFinite(period) || period <= 0 || period > 365) throw new FormInputError('frequency', 'The period must be a number above zero.')
  const periodUnit = optionalChoice('frequency', 'The period unit', p.frequency.periodUnit, periodUnits)
  if (!periodUnit) throw new FormInputError('frequency', 'Choose the period unit (hour, day, week or month).')
  if (!Number.isSafeInteger(p.durationDays) || p.durationDays < 1 || p.durationDays > 3650) throw new FormInputError('durationDays', 'The duration must be a whole number of days from 1 to 3650.')
  if (!Number.isSafeInteger(p.repeats) || p.repeats < 0 || p.repeats > 99) throw new FormInputError('repeats', 'Repeats must be a whole number from 0 to 99.')
  const instructions = optionalText('instructions', 'The instructions', p.instructions, 1000)
  const reason = optionalText('reason', 'The reason', p.reason, 200)
  const text = [
    `${doseValue} ${doseUnit} ${route}`,
    `${times === 1 ? 'once' : times === 2 ? 'twice' : `${times} times`} every ${period === 1 ? periodUnitWords[periodUnit] : `${period} ${periodUnitWords[periodUnit]}s`}`,
    `for ${p.durationDays} day${p.durationDays === 1 ? '' : 's'}`,
    ...(instructions ? [instructions] : []),
  ].join(', ')
  const duration = { value: p.durationDays, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' }
  return finish({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: medication },
    subject: selfReference,
    authoredOn: visitDate,
    requester: author,
    recorder: author,
    ...(reason ? { reasonCode: [{ text: reason }] } : {}),
    dosageInstruction: [
      {
        text,
        ...(instructions ? { patientInstruction: instructions } : {}),
        timing: { repeat: { boundsDuration: duration, frequency: times, period, periodUnit } },
        route: { text: route },
        doseAndRate: [{ doseQuantity: quantity(doseValue, doseUnit) }],
      },
    ],
    dispenseRequest: { numberOfRepeatsAllowed: p.repeats, expectedSupplyDuration: duration, validityPeriod: { start: visitDate } },
  })
}

/** The author reference of a doctor's resource, by type (where the builders put it). */
function authorsOf(resource: FhirResource): unknown[] {
  switch (resource.resourceType as DoctorResourceType) {
    case 'DocumentReference':
      return Array.isArray(resource.author) ? resource.author : []
    case 'Condition':
      return [resource.recorder]
    case 'Observation':
    case 'DiagnosticReport':
      return Array.isArray(resource.performer) ? resource.performer : []
    case 'Immunization':
      return Array.isArray(resource.performer) ? resource.performer.map((p) => (p as { actor?: unknown } | null)?.actor) : []
    case 'MedicationRequest':
      return [resource.requester]
  }
}

/**
 * The patient's check of a resource a doctor wrote back: one of the doctor's types, valid
 * FHIR R4, about the patient (Patient/self), and authored by `account` (the signer). A
 * report's inline file is within maxReportAttachmentBytes. Throws FhirValidationError.
 */
export function validateDoctorResource(json: unknown, account: string): FhirResource {
  const resource = validateResource(json)
  if (!(doctorResourceTypes as readonly string[]).includes(resource.resourceType)) {
    throw new FhirValidationError(resource.resourceType, 'is not a kind of record a doctor may write back')
  }
  const expected = `Practitioner/${account.toLowerCase()}`
  const authors = authorsOf(resource)
  if (!authors.some((author) => (author as Reference | null)?.reference === expected)) {
    throw new FhirValidationError(`${resource.resourceType}.author`, 'does not name the doctor who signed it')
  }
  const subject = resource.resourceType === 'Immunization' ? resource.patient : resource.subject
  if ((subject as Reference | null)?.reference !== selfReference.reference) {
    throw new FhirValidationError(`${resource.resourceType}.subject`, 'is not the patient (Patient/self)')
  }
  if (resource.resourceType === 'DiagnosticReport') {
    for (const form of (resource.presentedForm as Attachment[] | undefined) ?? []) {
      if (typeof form.data === 'string' && (form.data.length * 3) / 4 > maxReportAttachmentBytes + 2) {
        throw new FhirValidationError('DiagnosticReport.presentedForm.data', `is larger than ${maxReportAttachmentBytes / 1024} KiB`)
      }
    }
  }
  return resource
}

/** The visit date a doctor's resource carries, for display (undefined when none). */
export function visitDateOf(resource: FhirResource): string | undefined {
  const value =
    (resource.context as { period?: { start?: string } } | undefined)?.period?.start ??
    resource.recordedDate ?? resource.effectiveDateTime ?? resource.occurrenceDateTime ?? resource.authoredOn
  return typeof value === 'string' && dateTimeBound(value, 'earliest') > 0 ? value : undefined
}
