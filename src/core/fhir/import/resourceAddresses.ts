import type { FhirResource } from '../fhirTypes.ts'

/** A resource of the file, by its position in the plan's list. */
export type Addressed = { resource: FhirResource; fullUrl?: string }

const relativeTail = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/

/**
 * Every way a reference in a file can name another resource of the same file: its
 * fullUrl (`urn:uuid:…`, `resource:0`, an absolute URL), `Type/id`, an absolute URL ending
 * in `Type/id[/_history/v]`, and conditional references by identifier
 * (`Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999962229`), as Synthea writes.
 */
export class ResourceAddresses {
  private readonly byAddress = new Map<string, number>()
  private readonly byIdentifier = new Map<string, number>()

  constructor(resources: readonly Addressed[]) {
    resources.forEach(({ resource, fullUrl }, index) => {
      const add = (key: string) => {
        if (!this.byAddress.has(key)) this.byAddress.set(key, index)
      }
      if (fullUrl) {
        add(fullUrl)
        const tail = relativeTail.exec(fullUrl)
        if (tail) add(`${tail[1]}/${tail[2]}`)
      }
      if (resource.id) add(`${resource.resourceType}/${resource.id}`)
      for (const identifier of Array.isArray(resource.identifier) ? resource.identifier : []) {
        const { system, value } = (identifier ?? {}) as { system?: unknown; value?: unknown }
        if (typeof value !== 'string') continue
        const keys = [`${resource.resourceType}|${value}`, ...(typeof system === 'string' ? [`${resource.resourceType}|${system}|${value}`] : [])]
        for (const key of keys) if (!this.byIdentifier.has(key)) this.byIdentifier.set(key, index)
      }
    })
  }

  /** The index of the resource `reference` names, if it is in the file. */
  resolve(reference: string): number | undefined {
    const exact = this.byAddress.get(reference)
    if (exact !== undefined) return exact
    const conditional = /^([A-Z][A-Za-z]+)\?(.+)$/.exec(reference)
    if (conditional) return this.resolveConditional(conditional[1]!, conditional[2]!)
    const tail = relativeTail.exec(reference)
    return tail ? this.byAddress.get(`${tail[1]}/${tail[2]}`) : undefined
  }

  private resolveConditional(type: string, query: string): number | undefined {
    for (const parameter of query.split('&')) {
      const [name, raw = ''] = parameter.split('=')
      if (name !== 'identifier') continue
      let value: string
      try {
        value = decodeURIComponent(raw)
      } catch {
        value = raw
      }
      const bar = value.indexOf('|')
      const key = bar < 0 ? `${type}|${value}` : bar === 0 ? `${type}|${value.slice(1)}` : `${type}|${value.slice(0, bar)}|${value.slice(bar + 1)}`
      const found = this.byIdentifier.get(key)
      if (found !== undefined) return found
    }
    return undefined
  }
}

/** "Patient/123" for a reference to a patient not in the file, or undefined when it names no patient. */
export function patientReferenceKey(reference: string): string | undefined {
  if (/^Patient\?/.test(reference)) return reference
  const tail = relativeTail.exec(reference)
  return tail && tail[1] === 'Patient' ? `Patient/${tail[2]}` : undefined
}
