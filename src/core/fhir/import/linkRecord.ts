import type { FhirResource } from '../fhirTypes.ts'
import { contextTypes } from './contextTypes.ts'
import type { ResourceAddresses } from './resourceAddresses.ts'

export type LinkContext = {
  addresses: ResourceAddresses
  /** Resources of the file (ids assigned), by index. */
  resources: readonly FhirResource[]
  /** Titles of the file's resources, by index, computed once. */
  title(index: number): string
}

const maxDepth = 64
const validId = /^[A-Za-z0-9\-.]{1,64}$/
// A record names its patient by reference; it does not need the patient's name in every display.
const personTypes = new Set(['Patient', 'RelatedPerson'])

type Reference = { reference: string; display?: string }

function isReference(value: Record<string, unknown>): value is Reference {
  return typeof value.reference === 'string'
}

/**
 * A record ready to stand alone: references to other records of the file become
 * `Type/id`, references to context (Practitioner, Organization, Location, Medication…)
 * become `#id` with the context carried as a contained resource, display text is added
 * where the file knows it, and references to resources not in the file stay as they are.
 */
export function linkRecord(resource: FhirResource, context: LinkContext): FhirResource {
  const record = structuredClone(resource)
  const contained: FhirResource[] = Array.isArray(record.contained) ? (record.contained as FhirResource[]) : []
  const ownContained = contained.slice()
  const localIds = new Map<number, string>()
  const usedIds = new Set(contained.map((item) => item.id).filter((id): id is string => typeof id === 'string'))

  const embed = (index: number): string => {
    const known = localIds.get(index)
    if (known) return known
    const target = context.resources[index]!
    let id = target.id && validId.test(target.id) && !usedIds.has(target.id) ? target.id : undefined
    for (let n = 1; !id; n++) if (!usedIds.has(`ctx${n}`)) id = `ctx${n}`
    usedIds.add(id)
    localIds.set(index, id)
    // dom-2 and dom-4: a contained resource holds no contained resources and no version metadata.
    const { contained: _nested, meta: _meta, ...copy } = structuredClone(target)
    const entry = { ...copy, id } as FhirResource
    contained.push(entry)
    rewrite(entry, 0, true)
    return id
  }

  const rewrite = (value: unknown, depth: number, insideContext: boolean): void => {
    if (depth > maxDepth || typeof value !== 'object' || value === null) return
    if (Array.isArray(value)) {
      for (const item of value) rewrite(item, depth + 1, insideContext)
      return
    }
    const object = value as Record<string, unknown>
    if (isReference(object) && !object.reference.startsWith('#')) {
      const index = context.addresses.resolve(object.reference)
      if (index !== undefined) {
        const target = context.resources[index]!
        if (!object.display && !personTypes.has(target.resourceType)) object.display = context.title(index)
        if (contextTypes.has(target.resourceType)) object.reference = `#${embed(index)}`
        else if (target.id) object.reference = `${target.resourceType}/${target.id}`
      } else if (insideContext && /^(urn:|resource:)/.test(object.reference)) {
        // Inside a copied context resource, a file-local name means nothing once stored.
        delete (object as { reference?: string }).reference
      }
    }
    for (const [key, child] of Object.entries(object)) if (key !== 'contained') rewrite(child, depth + 1, insideContext)
  }

  rewrite(record, 0, false)
  for (const item of ownContained) rewrite(item, 0, false)
  if (contained.length > 0) record.contained = contained
  return record
}
