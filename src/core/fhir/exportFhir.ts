import type { Bundle, FhirResource } from './fhirTypes.ts'
import { validateResource } from './validateResource.ts'

/** A record as a person would save it: indented FHIR JSON. */
export function toFhirJson(resource: FhirResource): string {
  return `${JSON.stringify(resource, null, 2)}\n`
}

const uuidId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * The whole vault as one FHIR Bundle of type collection. Entries reuse the record's
 * id as urn:uuid where it is one; a record imported twice gets a fresh fullUrl so the
 * Bundle stays valid (bdl-7).
 */
export function vaultBundle(resources: readonly FhirResource[], timestamp = new Date()): Bundle {
  const used = new Set<string>()
  const entry = resources.map((resource) => {
    let id = typeof resource.id === 'string' && uuidId.test(resource.id) ? resource.id : crypto.randomUUID()
    if (used.has(id)) id = crypto.randomUUID()
    used.add(id)
    return { fullUrl: `urn:uuid:${id}`, resource }
  })
  const bundle = {
    resourceType: 'Bundle',
    id: crypto.randomUUID(),
    type: 'collection',
    timestamp: timestamp.toISOString(),
    ...(entry.length > 0 ? { entry } : {}),
  }
  return validateResource(bundle) as Bundle
}
