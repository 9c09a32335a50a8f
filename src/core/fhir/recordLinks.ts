import type { FhirResource } from './fhirTypes.ts'

/** At most this many references are kept per record: enough for an encounter's links, bounded for the index. */
const maxRefs = 64
const relativeReference = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/
const absoluteReference = /\/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/
// Links a person follows: not to the patient, nor to the record's own context.
const notLinked = new Set(['Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'RelatedPerson', 'Group'])
// Elements that name the patient (often by urn:uuid, which says no type).
const patientElements = new Set(['contained', 'text', 'subject', 'patient', 'beneficiary', 'subscriber', 'policyHolder'])

/** "Type/id" of a resource, the name other records use for it; undefined without an id. */
export function fhirRefOf(resource: FhirResource): string | undefined {
  return typeof resource.id === 'string' && resource.id !== '' ? `${resource.resourceType}/${resource.id}` : undefined
}

/** One reference as "Type/id" (or `urn:uuid:…` as written); undefined for contained, conditional or foreign ones. */
export function normaliseReference(reference: string): string | undefined {
  if (reference.startsWith('#') || reference.includes('?')) return undefined
  if (reference.startsWith('urn:uuid:') || reference.startsWith('urn:oid:')) return reference
  if (relativeReference.test(reference)) return reference
  return absoluteReference.exec(reference)?.[1]
}

/**
 * The other records a resource points to ("Type/id" or `urn:uuid:…`), in order, without
 * duplicates: an encounter's diagnoses, a result's encounter, a claim's prescription.
 */
export function referencesOf(resource: FhirResource): string[] {
  const found = new Set<string>()
  const visit = (value: unknown, depth: number): void => {
    if (depth > 32 || found.size >= maxRefs || typeof value !== 'object' || value === null) return
    if (Array.isArray(value)) return value.forEach((item) => visit(item, depth + 1))
    const object = value as Record<string, unknown>
    if (typeof object.reference === 'string') {
      const reference = normaliseReference(object.reference)
      const type = reference?.split('/')[0]
      if (reference && type && !notLinked.has(type)) found.add(reference)
    }
    for (const [key, child] of Object.entries(object)) if (!patientElements.has(key)) visit(child, depth + 1)
  }
  visit(resource, 0)
  return [...found]
}

/** Whether a reference names a record: "Type/id" equal, or `urn:uuid:<id>` of the same id (Synthea's ids are its uuids). */
export function referenceMatches(reference: string, fhirRef: string): boolean {
  if (reference === fhirRef) return true
  return reference.startsWith('urn:uuid:') && fhirRef.endsWith(`/${reference.slice('urn:uuid:'.length)}`)
}
