import { FormInputError } from './fhirErrors.ts'
import type { Attachment, FhirResource, Quantity } from './fhirTypes.ts'
import {
  finiteNumber, optionalChoice, optionalDate, optionalText, requiredDate, requiredText, utf8ToBase64,
} from './formValues.ts'
import { dateTimeBound } from './primitives.ts'
import { isUcumCode } from './ucum.ts'
import { validateResource } from './validateResource.ts'

/**
 * Form values → FHIR R4 resources. What the patient typed becomes CodeableConcept.text:
 * we never invent codes. Every builder checks its input (FormInputError names the field)
 * and validates its output, so a builder bug cannot store an invalid record.
 */
export const selfReference = { reference: 'Patient/self' } as const
export const attachmentUrl = 'salus:attachment'
/** R4 Attachment.hash is SHA-1; our SHA-256 of the file travels in this extension. */
export const attachmentSha256Extension = 'urn:salus:fhir:attachment-sha256'

const clinicalStatus = (system: string, code: string) => ({ coding: [{ system: `http://terminology.hl7.org/CodeSystem/${system}`, code }] })
const notes = (note: string | undefined) => (note ? { note: [{ text: note }] } : {})
const now = () => new Date().toISOString()

function finish(resource: FhirResource): FhirResource {
  return validateResource({ ...resource, id: crypto.randomUUID() })
}

function checkOrder(field: string, start: string | undefined, end: string | undefined, sentence: string): void {
  if (start && end && dateTimeBound(start, 'earliest') > dateTimeBound(end, 'latest')) throw new FormInputError(field, sentence)
}

export type BuildAllergyParameters = {
  substance: string
  criticality?: string
  reaction?: string
  severity?: string
  onset?: string
  note?: string
}

export function buildAllergy(p: BuildAllergyParameters): FhirResource {
  const substance = requiredText('substance', 'The substance', p.substance, 200)
  const criticality = optionalChoice('criticality', 'Criticality', p.criticality, ['low', 'high', 'unable-to-assess'])
  const reaction = optionalText('reaction', 'The reaction', p.reaction, 500)
  const severity = optionalChoice('severity', 'Severity', p.severity, ['mild', 'moderate', 'severe'])
  if (severity && !reaction) throw new FormInputError('reaction', 'Describe the reaction before choosing how severe it was.')
  const onset = optionalDate('onset', 'The onset date', p.onset)
  return finish({
    resourceType: 'AllergyIntolerance',
    clinicalStatus: clinicalStatus('allergyintolerance-clinical', 'active'),
    ...(criticality ? { criticality } : {}),
    code: { text: substance },
    patient: selfReference,
    ...(onset ? { onsetDateTime: onset } : {}),
    recordedDate: now(),
    ...(reaction ? { reaction: [{ manifestation: [{ text: reaction }], ...(severity ? { severity } : {}) }] } : {}),
    ...notes(optionalText('note', 'The note', p.note, 5000)),
  })
}

const medicationStatuses = ['active', 'completed', 'intended', 'stopped', 'on-hold', 'unknown', 'not-taken'] as const

export type BuildMedicationParameters = {
  name: string
  dose?: string
  frequency?: string
  start?: string
  end?: string
  status?: string
}

export function buildMedication(p: BuildMedicationParameters): FhirResource {
  const name = requiredText('name', 'The medication name', p.name, 200)
  const dose = optionalText('dose', 'The dose', p.dose, 200)
  const frequency = optionalText('frequency', 'How often', p.frequency, 200)
  const start = optionalDate('start', 'The start date', p.start)
  // An end date may be planned, so it is not limited to the past.
  const end = optionalDate('end', 'The end date', p.end, Number.POSITIVE_INFINITY)
  checkOrder('end', start, end, 'The end date must not be before the start date.')
  const ended = end !== undefined && dateTimeBound(end, 'latest') < Date.now()
  const status = optionalChoice('status', 'Status', p.status, medicationStatuses) ?? (ended ? 'completed' : 'active')
  const dosage = [dose, frequency].filter(Boolean).join(', ')
  return finish({
    resourceType: 'MedicationStatement',
    status,
    medicationCodeableConcept: { text: name },
    subject: selfReference,
    ...(start || end ? { effectivePeriod: { ...(start ? { start } : {}), ...(end ? { end } : {}) } } : {}),
    dateAsserted: now(),
    ...(dosage ? { dosage: [{ text: dosage }] } : {}),
  })
}

const conditionStatuses = ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'] as const

export type BuildConditionParameters = { name: string; clinicalStatus?: string; onset?: string; note?: string }

export function buildCondition(p: BuildConditionParameters): FhirResource {
  const name = requiredText('name', 'The condition', p.name, 200)
  const status = optionalChoice('clinicalStatus', 'Status', p.clinicalStatus, conditionStatuses) ?? 'active'
  const onset = optionalDate('onset', 'The onset date', p.onset)
  return finish({
    resourceType: 'Condition',
    clinicalStatus: clinicalStatus('condition-clinical', status),
    code: { text: name },
    subject: selfReference,
    ...(onset ? { onsetDateTime: onset } : {}),
    recordedDate: now(),
    ...notes(optionalText('note', 'The note', p.note, 5000)),
  })
}

export type BuildLabResultParameters = {
  test: string
  value: number
  unit: string
  date: string
  referenceLow?: number
  referenceHigh?: number
}

/** A quantity in `unit`, labelled UCUM only when the unit is a UCUM code (mg/dL, 10*9/L…). */
function quantity(value: number, unit: string): Quantity {
  return isUcumCode(unit) ? { value, unit, system: 'http://unitsofmeasure.org', code: unit } : { value, unit }
}

export function buildLabResult(p: BuildLabResultParameters): FhirResource {
  const test = requiredText('test', 'The test name', p.test, 200)
  const value = finiteNumber('value', 'The result', p.value, true)!
  const unit = requiredText('unit', 'The unit', p.unit, 64)
  const date = requiredDate('date', 'The test date', p.date)
  const low = finiteNumber('referenceLow', 'The lower reference limit', p.referenceLow, false)
  const high = finiteNumber('referenceHigh', 'The upper reference limit', p.referenceHigh, false)
  if (low !== undefined && high !== undefined && low > high) throw new FormInputError('referenceHigh', 'The upper reference limit must not be below the lower one.')
  const range = {
    ...(low !== undefined ? { low: quantity(low, unit) } : {}),
    ...(high !== undefined ? { high: quantity(high, unit) } : {}),
  }
  return finish({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] }],
    code: { text: test },
    subject: selfReference,
    effectiveDateTime: date,
    valueQuantity: quantity(value, unit),
    ...(low !== undefined || high !== undefined ? { referenceRange: [range] } : {}),
  })
}

export type BuildImmunizationParameters = { vaccine: string; date: string; lotNumber?: string; site?: string }

export function buildImmunization(p: BuildImmunizationParameters): FhirResource {
  const vaccine = requiredText('vaccine', 'The vaccine', p.vaccine, 200)
  const date = requiredDate('date', 'The vaccination date', p.date)
  const lotNumber = optionalText('lotNumber', 'The lot number', p.lotNumber, 100)
  const site = optionalText('site', 'The injection site', p.site, 200)
  return finish({
    resourceType: 'Immunization',
    status: 'completed',
    vaccineCode: { text: vaccine },
    patient: selfReference,
    occurrenceDateTime: date,
    recorded: now(),
    ...(lotNumber ? { lotNumber } : {}),
    ...(site ? { site: { text: site } } : {}),
  })
}

export type NoteAttachment = { contentType: string; size: number; title: string; sha256Base64?: string }
export type BuildNoteParameters = { title: string; text: string; date?: string; attachment?: NoteAttachment }

function fileAttachment(file: NoteAttachment): Attachment {
  const contentType = requiredText('attachment', 'The file type', file.contentType, 200)
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;.*)?$/i.test(contentType)) throw new FormInputError('attachment', 'The file type is not a valid media type (such as application/pdf).')
  if (!Number.isSafeInteger(file.size) || file.size < 0) throw new FormInputError('attachment', 'The file size must be a whole number of bytes.')
  const title = requiredText('attachment', 'The file name', file.title, 255)
  const hash = file.sha256Base64
  if (hash !== undefined && !/^[A-Za-z0-9+/]{43}=$/.test(hash)) throw new FormInputError('attachment', 'The file checksum must be a base64 SHA-256 digest.')
  return {
    contentType,
    url: attachmentUrl,
    // Attachment.size is an unsignedInt: files beyond 2 GiB keep their size only in the envelope.
    ...(file.size <= 2147483647 ? { size: file.size } : {}),
    title,
    ...(hash ? { extension: [{ url: attachmentSha256Extension, valueBase64Binary: hash }] } : {}),
  }
}

/**
 * A note (DocumentReference). Its text is stored inline as text/plain; an attached file
 * is referenced by url 'salus:attachment' (its bytes live encrypted beside the record)
 * and comes first, where exports inline it.
 */
export function buildNote(p: BuildNoteParameters): FhirResource {
  const title = requiredText('title', 'The title', p.title, 200)
  const body = p.attachment ? optionalText('text', 'The note', p.text, 100_000) : requiredText('text', 'The note', p.text, 100_000)
  const date = optionalDate('date', 'The date', p.date)
  const content = [
    ...(p.attachment ? [{ attachment: fileAttachment(p.attachment) }] : []),
    ...(body ? [{ attachment: { contentType: 'text/plain; charset=utf-8', data: utf8ToBase64(body), title } }] : []),
  ]
  return finish({
    resourceType: 'DocumentReference',
    status: 'current',
    subject: selfReference,
    date: now(),
    description: title,
    content,
    ...(date ? { context: { period: { start: date } } } : {}),
  })
}
