import type { FhirResource } from '../fhir/fhirTypes.ts'
import { FhirValidationError } from '../fhir/fhirErrors.ts'
import { validateResource } from '../fhir/validateResource.ts'
import type { IpsProblem } from './emergencyErrors.ts'
import { ipsDocumentCode, ipsSections, loinc, sectionKeyOfCode, sectionKeys } from './ipsSections.ts'

type Json = Record<string, unknown>
const asObject = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined)
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])
const hasCode = (concept: unknown, system: string, code: string) =>
  asList(asObject(concept)?.coding).some((coding) => asObject(coding)?.system === system && asObject(coding)?.code === code)

/** Finds the entry a reference in a document points to: by fullUrl, or by Type/id (relative references). */
export function documentResolver(entries: readonly unknown[]): (reference: unknown) => FhirResource | undefined {
  const byUrl = new Map<string, FhirResource>()
  for (const item of entries) {
    const entry = asObject(item)
    const resource = asObject(entry?.resource) as FhirResource | undefined
    if (!resource) continue
    if (typeof entry?.fullUrl === 'string') byUrl.set(entry.fullUrl, resource)
    if (typeof resource.id === 'string') byUrl.set(`${resource.resourceType}/${resource.id}`, resource)
  }
  return (reference) => {
    const value = asObject(reference)?.reference
    if (typeof value !== 'string') return undefined
    return byUrl.get(value) ?? byUrl.get(/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(value)?.[1] ?? '')
  }
}

/**
 * The IPS rules an emergency summary must keep: a document Bundle (identifier,
 * timestamp) whose first entry is a Composition of LOINC 60591-5 about a Patient in the
 * Bundle; problems, allergies and medications present, each with entries or an
 * emptyReason; known sections hold the resource types their profiles allow; every
 * reference resolves; and every entry passes validateResource. Returns every problem
 * found (an empty list: valid); never throws.
 */
export function validateIps(bundle: unknown): IpsProblem[] {
  const problems: IpsProblem[] = []
  const report = (path: string, problem: string) => problems.push({ path, problem })
  const root = asObject(bundle)
  if (root?.resourceType !== 'Bundle') return [{ path: 'Bundle', problem: 'is not a FHIR Bundle' }]
  try {
    validateResource(root)
  } catch (error) {
    if (error instanceof FhirValidationError) report(error.path, error.reason)
    else report('Bundle', error instanceof Error ? error.message : String(error))
  }
  if (root.type !== 'document') report('Bundle.type', `is "${String(root.type)}", not "document"`)
  if (!asObject(root.identifier)) report('Bundle.identifier', 'is missing (a document needs one, bdl-9)')
  if (typeof root.timestamp !== 'string') report('Bundle.timestamp', 'is missing (a document needs one, bdl-10)')
  const entries = asList(root.entry)
  const composition = asObject(asObject(entries[0])?.resource)
  if (composition?.resourceType !== 'Composition') {
    report('Bundle.entry[0]', 'is not a Composition (a document starts with one)')
    return problems
  }
  const resolve = documentResolver(entries)
  entries.forEach((item, index) => {
    if (typeof asObject(item)?.fullUrl !== 'string') report(`Bundle.entry[${index}].fullUrl`, 'is missing (every document entry needs one, bdl-7)')
  })
  if (!hasCode(composition.type, loinc, ipsDocumentCode)) report('Composition.type', `is not LOINC ${ipsDocumentCode} (Patient summary document)`)
  if (resolve(composition.subject)?.resourceType !== 'Patient') report('Composition.subject', 'does not point to a Patient in this Bundle')
  if (asList(composition.author).length === 0) report('Composition.author', 'is missing')
  if (typeof composition.title !== 'string') report('Composition.title', 'is missing')
  if (typeof composition.date !== 'string') report('Composition.date', 'is missing')

  const seen = new Set<string>()
  asList(composition.section).forEach((item, index) => {
    const section = asObject(item) ?? {}
    const path = `Composition.section[${index}]`
    const codes = asList(asObject(section.code)?.coding).filter((coding) => asObject(coding)?.system === loinc).map((coding) => String(asObject(coding)?.code))
    const key = codes.map(sectionKeyOfCode).find(Boolean)
    if (codes.length === 0) report(`${path}.code`, 'has no LOINC code')
    const sectionEntries = asList(section.entry)
    if (sectionEntries.length > 0 && section.emptyReason !== undefined) report(`${path}.emptyReason`, 'is given though the section has entries (cmp-2)')
    if (sectionEntries.length === 0 && section.text === undefined && section.section === undefined) report(path, 'has no text, entries or sub-sections (cmp-1)')
    sectionEntries.forEach((reference, entryIndex) => {
      const target = resolve(reference)
      if (!target) report(`${path}.entry[${entryIndex}]`, 'points to no entry of this Bundle')
      else if (key && !ipsSections[key].entryTypes.includes(target.resourceType)) {
        report(`${path}.entry[${entryIndex}]`, `is a ${target.resourceType}, which does not belong in ${ipsSections[key].title}`)
      }
    })
    if (!key) return
    seen.add(key)
    if (ipsSections[key].required && sectionEntries.length === 0 && section.emptyReason === undefined) {
      report(path, `(${ipsSections[key].title}) has no entries and no emptyReason`)
    }
  })
  for (const key of sectionKeys) {
    if (ipsSections[key].required && !seen.has(key)) report('Composition.section', `has no ${ipsSections[key].title} section (LOINC ${ipsSections[key].code}), which IPS requires`)
  }
  return problems
}
