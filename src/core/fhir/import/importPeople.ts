import { humanNameText, text } from '../fhirText.ts'
import type { FhirResource } from '../fhirTypes.ts'
import type { ImportPerson } from './importPlan.ts'
import { subjectElements } from './contextTypes.ts'
import { patientReferenceKey, type ResourceAddresses } from './resourceAddresses.ts'

function identifiersOf(resource: FhirResource): string[] {
  const list = Array.isArray(resource.identifier) ? resource.identifier : []
  return list
    .map((identifier) => identifier as { system?: unknown; value?: unknown })
    .filter((identifier) => typeof identifier.value === 'string')
    .map((identifier) => `${typeof identifier.system === 'string' ? identifier.system : ''}|${identifier.value as string}`)
}

function nameOf(patient: FhirResource): string {
  const names = Array.isArray(patient.name) ? patient.name : []
  const official = names.find((name) => (name as { use?: unknown }).use === 'official') ?? names[0]
  return humanNameText(official) ?? 'A person with no name in the file'
}

/**
 * The people a file is about: each Patient in it (two Patients sharing an identifier are
 * one person), and each patient its records name who is not in the file.
 */
export class ImportPeople {
  readonly people: ImportPerson[] = []
  private readonly keyByIndex = new Map<number, string>()
  private readonly byKey = new Map<string, ImportPerson>()
  private readonly keyByIdentifier = new Map<string, string>()

  constructor(private readonly resources: readonly FhirResource[], private readonly addresses: ResourceAddresses) {
    resources.forEach((resource, index) => {
      if (resource.resourceType !== 'Patient') return
      const identifiers = identifiersOf(resource)
      const same = identifiers.map((identifier) => this.keyByIdentifier.get(identifier)).find(Boolean)
      const key = same ?? `Patient/${resource.id ?? index}`
      this.keyByIndex.set(index, key)
      for (const identifier of identifiers) if (!this.keyByIdentifier.has(identifier)) this.keyByIdentifier.set(identifier, key)
      const known = this.byKey.get(key)
      if (known) {
        known.identifiers = [...new Set([...known.identifiers, ...identifiers])]
        return
      }
      const person: ImportPerson = { key, name: nameOf(resource), identifiers, records: 0 }
      const birthDate = text(resource.birthDate)
      const gender = text(resource.gender)
      if (birthDate) person.birthDate = birthDate
      if (gender) person.gender = gender
      this.add(person)
    })
  }

  private add(person: ImportPerson): void {
    this.people.push(person)
    this.byKey.set(person.key, person)
  }

  /** Whom the resource at `index` is about, counting it as one of their records. */
  personOf(index: number): string | undefined {
    const key = this.keyOf(index)
    if (key) this.byKey.get(key)!.records += 1
    return key
  }

  private keyOf(index: number): string | undefined {
    const own = this.keyByIndex.get(index)
    if (own) return own
    const resource = this.resources[index]!
    for (const element of subjectElements) {
      const value = resource[element]
      const reference = (Array.isArray(value) ? value[0] : value) as { reference?: unknown; display?: unknown } | undefined
      if (typeof reference?.reference !== 'string') continue
      const target = this.addresses.resolve(reference.reference)
      if (target !== undefined) {
        const key = this.keyByIndex.get(target)
        if (key) return key
        continue
      }
      const outside = patientReferenceKey(reference.reference)
      if (!outside) continue
      if (!this.byKey.has(outside)) {
        const display = text(reference.display)
        this.add({ key: outside, name: display ?? `A patient not in this file (${outside.slice(0, 80)})`, identifiers: [], records: 0 })
      }
      return outside
    }
    return undefined
  }
}
