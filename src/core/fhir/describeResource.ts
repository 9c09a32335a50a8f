import type { FhirResource } from './fhirTypes.ts'
import { asList, asObject, conceptText, humanNameText, referenceText, text } from './fhirText.ts'
import { type Description, type Describer, type Field, type ReferenceNamer, resourceDescribers } from './resourceDescribers.ts'
import { careDescribers } from './careDescribers.ts'
import { insuranceDescribers } from './insuranceDescribers.ts'

export type { Description, Field }

/** Longer values are cut (at a word): a view lists facts, the full text stays in the record. Notes' text is kept whole. */
const maxValueLength = 2000
const maxTextLength = 100_000
const wholeTextLabels = new Set(['Text', 'Report text', 'Note', 'Description'])
const describers: Record<string, Describer> = { ...resourceDescribers, ...careDescribers, ...insuranceDescribers }
// Elements that name what a resource is about, for kinds without their own view.
const nameElements = ['code', 'type', 'vaccineCode', 'medicationCodeableConcept', 'category', 'name', 'title', 'description', 'serviceType']
const maxGenericFields = 20
const skippedElements = new Set(['resourceType', 'id', 'meta', 'text', 'contained', 'extension', 'modifierExtension', 'implicitRules', 'language', 'identifier'])
// The clinical date of any resource: the first of these that is present.
const dateElements = [
  'onsetDateTime', 'onsetPeriod', 'effectiveDateTime', 'effectivePeriod', 'effectiveInstant',
  'occurrenceDateTime', 'occurrencePeriod', 'performedDateTime', 'performedPeriod', 'recordedDate',
  'recorded', 'authoredOn', 'issued', 'date', 'dateTime', 'created', 'period', 'timestamp',
]

/** "FamilyMemberHistory" → "Family member history". */
export function resourceTypeLabel(resourceType: string): string {
  const words = resourceType.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function clip(value: string, limit = maxValueLength): string {
  if (value.length <= limit) return value
  const cut = value.slice(0, limit)
  const space = cut.search(/\s\S*$/)
  return `${space > limit * 0.8 ? cut.slice(0, space) : cut}…`
}

/** Names a contained resource (`#id`): who or where it is, not a record of its own. */
function containedName(resource: Record<string, unknown>): string | undefined {
  return (
    humanNameText(asList(resource.name)[0]) ??
    text(resource.name) ??
    conceptText(resource.code) ??
    conceptText(resource.type) ??
    referenceText(resource.practitioner) ??
    text(asObject(asList(resource.payor)[0])?.display)
  )
}

/** Resolves `#id` references against the resource's own contained resources. */
export function referenceNamer(resource: FhirResource): ReferenceNamer {
  const contained = new Map<string, Record<string, unknown>>()
  for (const item of asList(resource.contained)) {
    const object = asObject(item)
    if (object && typeof object.id === 'string') contained.set(`#${object.id}`, object)
  }
  return (value) => {
    const reference = asObject(value)
    if (!reference) return undefined
    const target = typeof reference.reference === 'string' ? contained.get(reference.reference) : undefined
    if (text(reference.display)) return text(reference.display)
    return (target ? containedName(target) : undefined) ?? referenceText(reference)
  }
}

/** Any element as text, for types without their own view. */
function genericValue(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    const parts = value.map(genericValue).filter(Boolean)
    return parts.length > 0 ? parts.join(', ') : undefined
  }
  const object = asObject(value)
  if (!object) return text(value)
  return conceptText(object) ?? referenceText(object) ?? text(object.value) ?? text(object.name) ?? text(object.start)
}

function genericDate(resource: FhirResource): string | undefined {
  for (const name of dateElements) {
    const value = resource[name]
    const date = typeof value === 'string' ? value : text(asObject(value)?.start)
    if (date) return date
  }
  return undefined
}

function genericFields(resource: FhirResource): Field[] {
  const fields: Field[] = []
  for (const [name, value] of Object.entries(resource)) {
    if (skippedElements.has(name) || name.startsWith('_')) continue
    const shown = genericValue(value)
    if (shown) fields.push({ label: resourceTypeLabel(name), value: clip(shown) })
    if (fields.length === maxGenericFields) break
  }
  return fields
}

/**
 * A human-readable view of any FHIR resource: a title, the clinical date (as written
 * in the record, ISO 8601, possibly partial such as "2015-03") and labelled facts.
 */
export function describeResource(resource: FhirResource): Description {
  const describer = describers[resource.resourceType]
  const specific = describer?.(resource, referenceNamer(resource))
  const fields = specific
    ? specific.fields
        .filter((field): field is [string, string] => Boolean(field[1]))
        .map(([label, value]) => ({ label, value: clip(value, wholeTextLabels.has(label) ? maxTextLength : maxValueLength) }))
    : genericFields(resource)
  const label = resourceTypeLabel(resource.resourceType)
  const nameLike = nameElements.map((name) => genericValue(resource[name])).find(Boolean)
  const title = clip(specific?.title ?? (nameLike ? `${label}: ${nameLike}` : label), 300)
  if (fields.length === 0) fields.push({ label: 'Record type', value: label })
  const date = specific ? specific.date : genericDate(resource)
  return date ? { title, date, fields } : { title, fields }
}

/** Lower-cased words for search: the view plus every code and display in the record. */
export function searchText(resource: FhirResource): string {
  const { title, date, fields } = describeResource(resource)
  const codes: string[] = []
  const visit = (value: unknown, depth: number): void => {
    if (depth > 32) return
    if (Array.isArray(value)) return value.forEach((item) => visit(item, depth + 1))
    const object = asObject(value)
    if (!object) return
    for (const coding of asList(object.coding)) {
      const item = asObject(coding)
      if (typeof item?.code === 'string') codes.push(item.code)
      if (typeof item?.display === 'string') codes.push(item.display)
    }
    for (const [key, child] of Object.entries(object)) if (key !== 'text' && key !== 'contained') visit(child, depth + 1)
  }
  visit(resource, 0)
  return [resourceTypeLabel(resource.resourceType), title, date, ...fields.flatMap((field) => [field.label, field.value]), ...codes]
    .filter(Boolean)
    .join(' ')
    .toLowerCase()
}
