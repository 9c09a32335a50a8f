import { describeResource } from './describeResource.ts'
import type { FhirResource } from './fhirTypes.ts'

type Entry = { resource: FhirResource; fullUrl?: string }

/**
 * Split out of their Bundle, entries lose the resources their references point to
 * (`urn:uuid:…`, `Medication/123`). Where the target was in the same Bundle and the
 * reference has no display text, add the target's title as `display`, so a record
 * still reads "Anastrozole 1 mg" on its own. Nothing else is changed.
 */
export function resolveBundleReferences(entries: readonly Entry[]): FhirResource[] {
  const titles = new Map<string, string>()
  for (const { resource, fullUrl } of entries) {
    // Not the patient's own name: a doctor granted one scope need not get it in every record.
    if (resource.resourceType === 'Patient' || resource.resourceType === 'RelatedPerson') continue
    const { title } = describeResource(resource)
    if (fullUrl) titles.set(fullUrl, title)
    if (resource.id) titles.set(`${resource.resourceType}/${resource.id}`, title)
    // An absolute fullUrl ending in Type/id is also what relative references resolve to.
    const relative = fullUrl ? /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(fullUrl)?.[1] : undefined
    if (relative) titles.set(relative, title)
  }
  return entries.map(({ resource }) => (needsDisplay(resource, titles, 0) ? withDisplays(structuredClone(resource), titles, 0) : resource))
}

function isReferenceWithoutDisplay(value: Record<string, unknown>): value is { reference: string } {
  return typeof value.reference === 'string' && value.display === undefined
}

function needsDisplay(value: unknown, titles: Map<string, string>, depth: number): boolean {
  if (depth > 32 || typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return value.some((item) => needsDisplay(item, titles, depth + 1))
  const object = value as Record<string, unknown>
  if (isReferenceWithoutDisplay(object) && titles.has(object.reference)) return true
  return Object.entries(object).some(([key, child]) => key !== 'contained' && needsDisplay(child, titles, depth + 1))
}

function withDisplays<T>(value: T, titles: Map<string, string>, depth: number): T {
  if (depth > 32 || typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    value.forEach((item) => withDisplays(item, titles, depth + 1))
    return value
  }
  const object = value as Record<string, unknown>
  if (isReferenceWithoutDisplay(object)) {
    const title = titles.get(object.reference)
    if (title) (object as Record<string, unknown>).display = title
  }
  for (const [key, child] of Object.entries(object)) if (key !== 'contained') withDisplays(child, titles, depth + 1)
  return value
}
