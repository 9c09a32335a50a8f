import type { FhirResource } from '../fhir/fhirTypes.ts'
import { describeResource } from '../fhir/describeResource.ts'
import { asList, asObject, choiceText, conceptsText, conceptText, dosageText, humanNameText, referenceText, text } from '../fhir/fhirText.ts'
import { InvalidEmergencySummaryError } from './emergencyErrors.ts'
import { bloodGroupCode, loinc, type SectionKey, sectionKeyOfCode } from './ipsSections.ts'
import { ownProvenance } from './recordProvenance.ts'
import { documentResolver, validateIps } from './validateIps.ts'

export type Recorded = { recordedBy?: string; recordedAt?: string }
/** One line of the crew page: what it is, a detail line, its status, and who recorded it when. */
export type SummaryItem = Recorded & { text: string; detail?: string; status?: string; date?: string }
export type AllergyItem = SummaryItem & { criticality?: string; reactions?: string }
export type ContactItem = Recorded & { name: string; relation?: string; phone?: string }

/** The emergency summary as the responder page and the patient's preview render it. */
export type EmergencySummaryView = {
  patient: { name?: string; birthDate?: string; gender?: string }
  allergies: AllergyItem[]
  medications: SummaryItem[]
  problems: SummaryItem[]
  pastProblems: SummaryItem[]
  bloodGroup?: SummaryItem
  devices: SummaryItem[]
  directives: SummaryItem[]
  contacts: ContactItem[]
  results: SummaryItem[]
  immunizations: SummaryItem[]
  /** Why a required section is empty ("No information available"), so "none recorded" is never shown as "none". */
  emptyReasons: Partial<Record<'allergies' | 'medications' | 'problems', string>>
  lastUpdated: string
}

type Json = Record<string, unknown>
// HL7 v2-0131 contact roles that come without a display.
const contactRoles: Record<string, string> = { C: 'Emergency contact', N: 'Next of kin', E: 'Employer', F: 'Federal agency', I: 'Insurance company', S: 'State agency', U: 'Unknown' }
const statusOf = (value: unknown) => conceptText(value) ?? text(value)

/** A summary is tens of kilobytes; text far beyond that is refused before parsing. */
export const maxSummaryChars = 5 * 1024 * 1024

/** Parse summary JSON text (from a care node or an SHL file) and read it; bad text throws InvalidEmergencySummaryError. */
export function parseEmergencySummary(text: string): EmergencySummaryView {
  if (text.length > maxSummaryChars) throw new InvalidEmergencySummaryError([{ path: 'Bundle', problem: `is larger than ${maxSummaryChars / 1048576} MB` }])
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new InvalidEmergencySummaryError([{ path: 'Bundle', problem: 'is not JSON (cut off or damaged?)' }])
  }
  return readEmergencySummary(json)
}

/**
 * Read a summary Bundle into the view model. The Bundle is checked with validateIps
 * first (it may come from a care node or a SMART Health Link): an invalid one throws
 * InvalidEmergencySummaryError naming the first problem.
 */
export function readEmergencySummary(bundle: unknown): EmergencySummaryView {
  const problems = validateIps(bundle)
  if (problems.length > 0) throw new InvalidEmergencySummaryError(problems)
  const root = bundle as Json
  const entries = asList(root.entry)
  const composition = asObject(asObject(entries[0])?.resource) as Json
  const resolve = documentResolver(entries)
  const documentAuthor = asList(composition.author).map((author) => text(asObject(author)?.display) ?? text(asObject(resolve(author))?.name) ?? humanNameText(asList(asObject(resolve(author))?.name)[0])).find(Boolean)
  const documentDate = text(composition.date)
  const recorded = (resource: Json): Recorded => {
    const own = ownProvenance(resource)
    const by = own.recordedBy ?? documentAuthor
    const at = own.recordedAt ?? documentDate
    return { ...(by ? { recordedBy: by } : {}), ...(at ? { recordedAt: at } : {}) }
  }
  const base = (resource: Json, textOverride?: string): SummaryItem => {
    const { title, date } = describeResource(resource as FhirResource)
    return { text: textOverride ?? title, ...(date ? { date } : {}), ...recorded(resource) }
  }
  const patientResource = resolve(composition.subject) as Json
  const view: EmergencySummaryView = {
    patient: {
      ...optional('name', asList(patientResource.name).map(humanNameText).find(Boolean)),
      ...optional('birthDate', text(patientResource.birthDate)),
      ...optional('gender', text(patientResource.gender)),
    },
    allergies: [], medications: [], problems: [], pastProblems: [], devices: [], directives: [], contacts: [], results: [], immunizations: [],
    emptyReasons: {},
    lastUpdated: text(root.timestamp) ?? documentDate ?? '',
  }
  for (const item of asList(composition.section)) {
    const section = asObject(item) ?? {}
    const key = asList(asObject(section.code)?.coding).map(asObject).filter((coding) => coding?.system === loinc).map((coding) => sectionKeyOfCode(text(coding?.code))).find(Boolean)
    if (!key) continue
    if ((key === 'allergies' || key === 'medications' || key === 'problems') && section.emptyReason !== undefined) {
      view.emptyReasons[key] = conceptText(section.emptyReason) ?? 'No information available'
    }
    for (const reference of asList(section.entry)) {
      const resource = resolve(reference) as Json | undefined
      if (resource) addItem(view, key, resource, base, resolve)
    }
  }
  view.contacts = asList(patientResource.contact).map(asObject).filter((contact) => contact !== undefined).map((contact) => ({
    name: humanNameText(contact.name) ?? text(asObject(contact.organization)?.display) ?? 'Contact',
    ...optional('relation', asList(contact.relationship).map((relation) => text(asObject(relation)?.text)).find(Boolean) ??
      asList(contact.relationship).flatMap((relation) => asList(asObject(relation)?.coding)).map((coding) => text(asObject(coding)?.display)).find(Boolean) ??
      contactRoles[String(asObject(asList(asObject(asList(contact.relationship)[0])?.coding)[0])?.code)] ?? conceptsText(contact.relationship)),
    ...optional('phone', asList(contact.telecom).map(asObject).filter((point) => point?.system === 'phone').map((point) => text(point?.value)).find(Boolean)),
    ...recorded(contact),
  }))
  return view
}

function addItem(view: EmergencySummaryView, key: SectionKey, resource: Json, base: (resource: Json, textOverride?: string) => SummaryItem, resolve: (reference: unknown) => FhirResource | undefined): void {
  const type = resource.resourceType
  if (key === 'allergies') {
    const reactions = asList(resource.reaction).flatMap((reaction) => asList(asObject(reaction)?.manifestation).map(conceptText)).filter(Boolean).join(', ')
    view.allergies.push({
      ...base(resource),
      ...optional('status', statusOf(resource.clinicalStatus)),
      ...optional('criticality', text(resource.criticality)),
      ...optional('reactions', reactions || undefined),
    })
  } else if (key === 'medications') {
    const medication = resolve(resource.medicationReference)
    const name = asObject(resource.medicationReference)?.display === undefined && medication ? describeResource(medication).title : undefined
    view.medications.push({ ...base(resource, name), ...optional('status', text(resource.status)), ...optional('detail', asList(resource.dosage ?? resource.dosageInstruction).map(dosageText).find(Boolean)) })
  } else if (key === 'problems' || key === 'pastProblems') {
    view[key].push({ ...base(resource), ...optional('status', statusOf(resource.clinicalStatus)) })
  } else if (key === 'devices') {
    const device = type === 'Device' ? resource : (resolve(resource.device) as Json | undefined)
    const name = referenceText(resource.device) ?? (device ? asList(device.deviceName).map((item) => text(asObject(item)?.name)).find(Boolean) : undefined)
    view.devices.push({ ...base(resource, name), ...optional('detail', asList(resource.note).map((note) => text(asObject(note)?.text)).find(Boolean)) })
  } else if (key === 'directives') {
    const statement = type === 'Consent'
      ? asList(asObject(resource.provision)?.code).map(conceptText).find(Boolean) ?? conceptsText(resource.category)
      : text(resource.description)
    view.directives.push({ ...base(resource, statement), ...optional('status', text(resource.status)) })
  } else if (key === 'results') {
    const isBloodGroup = asList(asObject(resource.code)?.coding).some((coding) => asObject(coding)?.system === loinc && asObject(coding)?.code === bloodGroupCode)
    const value = choiceText(resource, 'value')
    if (isBloodGroup && !view.bloodGroup) view.bloodGroup = { ...base(resource, value ?? describeResource(resource as FhirResource).title) }
    else view.results.push({ ...base(resource), ...optional('detail', value) })
  } else if (key === 'immunizations') {
    view.immunizations.push({ ...base(resource), ...optional('status', text(resource.status)) })
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>)
}
