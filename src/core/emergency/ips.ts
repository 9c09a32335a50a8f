import type { BundleEntry, FhirResource, Reference } from '../fhir/fhirTypes.ts'
import { describeResource } from '../fhir/describeResource.ts'
import { validateResource } from '../fhir/validateResource.ts'
import { InvalidEmergencySummaryError, type IpsProblem } from './emergencyErrors.ts'
import {
  type BloodGroup, bloodGroupCode, bloodGroups, ipsDocumentCode, ipsSections, listEmptyReason, loinc,
  recordedAtExtension, recordedByExtension, type SectionKey, sectionKeys, sectionOfResource, snomed,
} from './ipsSections.ts'
import { ownProvenance } from './recordProvenance.ts'
import { validateIps } from './validateIps.ts'

/** A vault record with where it came from; plain resources are taken as recorded by the patient. */
export type SummaryRecord = { resource: FhirResource; recordedBy?: string; recordedAt?: string }
export type EmergencyContact = { name: string; relation?: string; phone?: string }
export type EmergencyDevice = { name: string; note?: string; since?: string }
export type EmergencyDirective = { text: string; date?: string }

/** What the patient types on the summary page, beyond the vault's records. */
export type EmergencyExtras = {
  bloodGroup?: BloodGroup
  devices?: readonly EmergencyDevice[]
  directives?: readonly EmergencyDirective[]
  contacts?: readonly EmergencyContact[]
}

export type BuildEmergencySummaryOptions = {
  now: Date
  patientName?: string
  /** Shown as "recorded by …" for the patient's own entries; defaults to the patient's name, else "the patient". */
  patientLabel?: string
}

const xhtml = 'http://www.w3.org/1999/xhtml'
const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const narrative = (lines: string[]) => ({
  status: 'generated',
  div: lines.length > 0
    ? `<div xmlns="${xhtml}"><ul>${lines.map((line) => `<li>${escape(line)}</li>`).join('')}</ul></div>`
    : `<div xmlns="${xhtml}"><p>No information available.</p></div>`,
})
// Linked resources the document carries so the entries' references resolve.
const supportingTypes = new Set(['Medication', 'Device'])

/**
 * The patient's emergency summary as a FHIR IPS document Bundle, checked with
 * `validateIps` before it is returned: an invalid summary is never exported
 * (InvalidEmergencySummaryError lists what is wrong).
 */
export function buildEmergencySummary(
  records: readonly (FhirResource | SummaryRecord)[],
  extras: EmergencyExtras,
  options: BuildEmergencySummaryOptions,
): FhirResource {
  const now = options.now.toISOString()
  const patientLabel = options.patientLabel ?? options.patientName ?? 'the patient'
  const patientUrl = `urn:uuid:${crypto.randomUUID()}`
  const toPatient: Reference = { reference: patientUrl }
  const entries: BundleEntry[] = []
  const bySection = new Map<SectionKey, { url: string; title: string }[]>(sectionKeys.map((key) => [key, []]))
  const stamp = (resource: FhirResource, by: string, at: string): FhirResource => ({
    ...resource,
    extension: [
      ...(Array.isArray(resource.extension) ? (resource.extension as { url?: string }[]).filter((item) => item.url !== recordedByExtension && item.url !== recordedAtExtension) : []),
      { url: recordedByExtension, valueString: by },
      { url: recordedAtExtension, valueDateTime: at },
    ],
  })
  const add = (resource: FhirResource, section?: SectionKey) => {
    const url = `urn:uuid:${crypto.randomUUID()}`
    entries.push({ fullUrl: url, resource })
    if (section) bySection.get(section)?.push({ url, title: describeResource(resource).title })
    return url
  }

  // The patient's stated blood group comes first: the crew page shows the first one.
  if (extras.bloodGroup) {
    const group = bloodGroups[extras.bloodGroup]
    add(stamp({
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] }],
      code: { coding: [{ system: loinc, code: bloodGroupCode, display: 'ABO and Rh group [Type] in Blood' }], text: 'Blood group' },
      subject: toPatient,
      effectiveDateTime: now,
      valueCodeableConcept: { coding: [{ system: snomed, ...group }], text: extras.bloodGroup },
    }, patientLabel, now), 'results')
  }
  const given = records.map((item) => ('resourceType' in item ? { resource: item as FhirResource } : item as SummaryRecord))
  const patientRecord = given.find((item) => item.resource.resourceType === 'Patient')?.resource
  // References between the given records are kept (rewritten to this document's URLs); others keep only their text.
  const urls = new Map<string, string>()
  const kept = given
    .filter(({ resource }) => sectionOfResource(resource) !== undefined || supportingTypes.has(resource.resourceType))
    .map((item) => ({ ...item, url: `urn:uuid:${crypto.randomUUID()}` }))
  for (const { resource, url } of kept) if (resource.id) urls.set(`${resource.resourceType}/${resource.id}`, url)
  for (const { resource, recordedBy, recordedAt, url } of kept) {
    const rewritten = rewriteReferences(structuredClone(resource), urls) as FhirResource
    if ('subject' in rewritten || subjectElement[resource.resourceType] === 'subject') rewritten.subject = toPatient
    if (subjectElement[resource.resourceType] === 'patient') rewritten.patient = toPatient
    const section = sectionOfResource(resource)
    const own = ownProvenance(resource)
    const stamped = section ? stamp(rewritten, recordedBy ?? own.recordedBy ?? patientLabel, recordedAt ?? own.recordedAt ?? now) : rewritten
    entries.push({ fullUrl: url, resource: stamped })
    if (section) bySection.get(section)?.push({ url, title: describeResource(stamped).title })
  }

  for (const device of extras.devices ?? []) {
    const deviceUrl = add({ resourceType: 'Device', deviceName: [{ name: device.name, type: 'user-friendly-name' }], patient: toPatient })
    add(stamp({
      resourceType: 'DeviceUseStatement',
      status: 'active',
      subject: toPatient,
      device: { reference: deviceUrl, display: device.name },
      ...(device.since ? { timingDateTime: device.since } : {}),
      ...(device.note ? { note: [{ text: device.note }] } : {}),
    }, patientLabel, now), 'devices')
  }
  for (const directive of extras.directives ?? []) {
    add(stamp({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'adr', display: 'Advanced Care Directive' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentcategorycodes', code: 'acd', display: 'Advance Directive' }] }],
      patient: toPatient,
      dateTime: directive.date ?? now,
      policyRule: { text: 'Advance directive stated by the patient' },
      provision: { code: [{ text: directive.text }] },
    }, patientLabel, now), 'directives')
  }

  const contacts = (extras.contacts ?? []).map((contact) => ({
    ...(contact.relation
      ? { relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'C', display: 'Emergency Contact' }], text: contact.relation }] }
      : { relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'C', display: 'Emergency Contact' }] }] }),
    name: { text: contact.name },
    ...(contact.phone ? { telecom: [{ system: 'phone', value: contact.phone }] } : {}),
    extension: [{ url: recordedByExtension, valueString: patientLabel }, { url: recordedAtExtension, valueDateTime: now }],
  }))
  const patient: FhirResource = {
    ...(patientRecord ? rewriteReferences(structuredClone(patientRecord), urls) as FhirResource : { resourceType: 'Patient' }),
    resourceType: 'Patient',
    ...(options.patientName ? { name: [{ text: options.patientName }] } : patientRecord?.name ? {} : { name: [{ text: 'Name not given' }] }),
    ...(contacts.length > 0 ? { contact: contacts } : {}),
  }
  if (patientRecord?.contact && contacts.length === 0) patient.contact = patientRecord.contact

  const section = (key: SectionKey) => {
    const definition = ipsSections[key]
    const items = bySection.get(key) ?? []
    if (items.length === 0 && !definition.required) return undefined
    return {
      title: definition.title,
      code: { coding: [{ system: loinc, code: definition.code, display: definition.display }] },
      text: narrative(items.map((item) => item.title)),
      ...(items.length > 0
        ? { entry: items.map((item) => ({ reference: item.url })) }
        : { emptyReason: { coding: [{ system: listEmptyReason, code: 'unavailable', display: 'Unavailable' }], text: 'No information available' } }),
    }
  }
  const composition: FhirResource = {
    resourceType: 'Composition',
    status: 'final',
    type: { coding: [{ system: loinc, code: ipsDocumentCode, display: 'Patient summary Document' }] },
    subject: toPatient,
    date: now,
    author: [{ reference: patientUrl, display: patientLabel }],
    title: 'Emergency summary (International Patient Summary)',
    confidentiality: 'N',
    section: sectionKeys.map(section).filter((item) => item !== undefined),
  }
  const bundle: FhirResource = {
    resourceType: 'Bundle',
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${crypto.randomUUID()}` },
    type: 'document',
    timestamp: now,
    entry: [
      { fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource: composition },
      { fullUrl: patientUrl, resource: patient },
      ...entries,
    ],
  }
  const problems = validateIps(bundle)
  if (problems.length > 0) throw new InvalidEmergencySummaryError(problems, 'The emergency summary was not exported')
  return bundle
}

// The element naming the patient, for the types a summary holds.
const subjectElement: Record<string, 'subject' | 'patient'> = {
  AllergyIntolerance: 'patient', Immunization: 'patient', Consent: 'patient', Device: 'patient',
  Condition: 'subject', MedicationStatement: 'subject', MedicationRequest: 'subject', MedicationAdministration: 'subject',
  MedicationDispense: 'subject', Observation: 'subject', DiagnosticReport: 'subject', DeviceUseStatement: 'subject',
}

/** References to records in this document point at their new URLs; others keep their text only, never a dangling link. */
function rewriteReferences(value: unknown, urls: Map<string, string>, depth = 0): unknown {
  if (depth > 32 || typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map((item) => rewriteReferences(item, urls, depth + 1))
  const object = value as Record<string, unknown>
  for (const [key, child] of Object.entries(object)) if (key !== 'contained') object[key] = rewriteReferences(child, urls, depth + 1)
  if (typeof object.reference === 'string' && !object.reference.startsWith('#')) {
    const target = urls.get(object.reference) ?? urls.get(/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(object.reference)?.[1] ?? '')
    if (target) object.reference = target
    else {
      delete object.reference
      if (typeof object.display !== 'string' && object.identifier === undefined) object.display = 'Not included in this summary'
    }
  }
  return object
}
