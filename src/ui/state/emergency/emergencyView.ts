import type { EmergencyMinimum } from './emergencyParts.ts'

/**
 * What the crew sees, whatever it came from: the full IPS Bundle (read through the
 * proxies or an open card) or the critical minimum carried in the QR itself. The
 * patient's preview renders the same view, so the patient sees exactly what a crew will.
 */
export type EmergencyItem = {
  text: string
  /** Reaction, dose, status…: one line under the item. */
  detail?: string
  /** Who recorded it (a doctor's name, or "You" for the patient's own entries). */
  recordedBy?: string
  /** When it was recorded (ISO date or dateTime). */
  recordedAt?: string
  /** High criticality / severe reaction: shown in red. */
  critical?: boolean
}

export type EmergencyContactView = { name: string; relationship?: string; phone?: string }

export type EmergencyView = {
  /** 'full' = the IPS Bundle; 'minimum' = only what the QR carries. */
  source: 'full' | 'minimum'
  patientName?: string
  birthDate?: string
  /** When the summary was last updated (ISO). */
  updatedAt?: string
  allergies: EmergencyItem[]
  medications: EmergencyItem[]
  problems: EmergencyItem[]
  bloodGroup?: string
  devices: EmergencyItem[]
  directives: EmergencyItem[]
  immunizations: EmergencyItem[]
  results: EmergencyItem[]
  contacts: EmergencyContactView[]
  /** Sections the patient marked empty on purpose ("No known allergies"), by section key. */
  emptyReasons: Partial<Record<'allergies' | 'medications' | 'problems', string>>
}

type Json = Record<string, unknown>

const sectionLoinc = {
  problems: '11450-4',
  allergies: '48765-2',
  medications: '10160-0',
  immunizations: '11369-6',
  devices: '46264-8',
  directives: '42348-3',
  results: '30954-2',
} as const

/** LOINC 882-1 "ABO and Rh group", 883-9 "ABO group", 34530-6 "Rh": a blood group observation. */
const bloodGroupCodes = new Set(['882-1', '883-9', '34530-6'])

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function array(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : []
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

function conceptText(value: unknown): string | undefined {
  if (!isObject(value)) return undefined
  const codings = array(value['coding'])
  return str(value['text']) ?? codings.map((coding) => str(coding['display']) ?? str(coding['code'])).find(Boolean)
}

function referenceText(value: unknown): string | undefined {
  if (!isObject(value)) return undefined
  return str(value['display'])
}

function codes(value: unknown): string[] {
  if (!isObject(value)) return []
  return array(value['coding']).map((coding) => str(coding['code'])).filter((code): code is string => code !== undefined)
}

function humanName(value: unknown): string | undefined {
  const name = array(value)[0]
  if (!name) return undefined
  const given = Array.isArray(name['given']) ? name['given'].filter((part): part is string => typeof part === 'string') : []
  const family = str(name['family'])
  return str(name['text']) ?? ([...given, family].filter(Boolean).join(' ') || undefined)
}

/** Who recorded a resource: the first named author field FHIR has for its type. */
function recorder(resource: Json): string | undefined {
  const performer = array(resource['performer'])[0]
  return (
    referenceText(resource['recorder']) ??
    referenceText(resource['asserter']) ??
    referenceText(resource['informationSource']) ??
    referenceText(resource['author']) ??
    (performer ? (referenceText(performer['actor']) ?? referenceText(performer)) : undefined) ??
    array(resource['author']).map(referenceText).find(Boolean)
  )
}

function recordedAt(resource: Json): string | undefined {
  const meta = isObject(resource['meta']) ? resource['meta'] : {}
  const period = isObject(resource['effectivePeriod']) ? resource['effectivePeriod'] : {}
  return (
    str(resource['recordedDate']) ??
    str(resource['dateAsserted']) ??
    str(resource['date']) ??
    str(resource['effectiveDateTime']) ??
    str(resource['occurrenceDateTime']) ??
    str(period['start']) ??
    str(meta['lastUpdated'])
  )
}

function dosageText(resource: Json): string | undefined {
  const dosage = array(resource['dosage'])[0] ?? array(resource['dosageInstruction'])[0]
  return dosage ? str(dosage['text']) : undefined
}

function itemOf(resource: Json): EmergencyItem | undefined {
  const type = str(resource['resourceType'])
  let text: string | undefined
  let detail: string | undefined
  let critical = false
  switch (type) {
    case 'AllergyIntolerance': {
      text = conceptText(resource['code'])
      const reaction = array(resource['reaction'])[0]
      const manifestations = reaction ? array(reaction['manifestation']).map(conceptText).filter(Boolean) : []
      const severity = reaction ? str(reaction['severity']) : undefined
      detail = [manifestations.join(', '), severity].filter(Boolean).join(' · ') || undefined
      critical = resource['criticality'] === 'high' || severity === 'severe'
      break
    }
    case 'MedicationStatement':
    case 'MedicationRequest':
      text = conceptText(resource['medicationCodeableConcept']) ?? referenceText(resource['medicationReference'])
      detail = dosageText(resource)
      break
    case 'Condition': {
      text = conceptText(resource['code'])
      const status = codes(resource['clinicalStatus'])[0]
      detail = status && status !== 'active' ? status : undefined
      break
    }
    case 'Immunization':
      text = conceptText(resource['vaccineCode'])
      break
    case 'Observation': {
      text = conceptText(resource['code'])
      const quantity = isObject(resource['valueQuantity']) ? resource['valueQuantity'] : undefined
      detail = quantity ? `${String(quantity['value'] ?? '')} ${str(quantity['unit']) ?? ''}`.trim() : (conceptText(resource['valueCodeableConcept']) ?? str(resource['valueString']))
      break
    }
    case 'Device':
      text = array(resource['deviceName']).map((name) => str(name['name'])).find(Boolean) ?? conceptText(resource['type'])
      break
    case 'DeviceUseStatement':
      text = referenceText(resource['device']) ?? conceptText(resource['bodySite'])
      break
    case 'Consent':
    case 'DocumentReference':
      text = conceptText(array(resource['category'])[0]) ?? str(resource['description']) ?? conceptText(resource['type'])
      detail = array(array(resource['provision'])[0]?.['code']).map(conceptText).find(Boolean) ?? (isObject(resource['text']) ? undefined : undefined)
      break
    default:
      text = conceptText(resource['code'])
  }
  // A narrative-only entry (the patient's free text) still reads as its narrative.
  if (!text && isObject(resource['text'])) text = str(resource['text']['div'])?.replace(/<[^>]+>/g, '').trim()
  if (!text) return undefined
  return {
    text,
    ...(detail ? { detail } : {}),
    ...(recorder(resource) ? { recordedBy: recorder(resource) } : {}),
    ...(recordedAt(resource) ? { recordedAt: recordedAt(resource) } : {}),
    ...(critical ? { critical } : {}),
  }
}

/** The crew's view of an IPS document Bundle (Composition first, then the resources its sections point to). */
export function viewOfIps(bundle: unknown): EmergencyView {
  const view: EmergencyView = { source: 'full', allergies: [], medications: [], problems: [], devices: [], directives: [], immunizations: [], results: [], contacts: [], emptyReasons: {} }
  if (!isObject(bundle)) return view
  const entries = array(bundle['entry'])
  const byUrl = new Map<string, Json>()
  for (const entry of entries) {
    const resource = entry['resource']
    if (!isObject(resource)) continue
    const url = str(entry['fullUrl'])
    if (url) byUrl.set(url, resource)
    const id = str(resource['id'])
    const type = str(resource['resourceType'])
    if (id && type) byUrl.set(`${type}/${id}`, resource)
  }
  const resources = entries.map((entry) => entry['resource']).filter(isObject)
  const composition = resources.find((resource) => resource['resourceType'] === 'Composition')
  const patient = resources.find((resource) => resource['resourceType'] === 'Patient')
  view.updatedAt = (composition ? str(composition['date']) : undefined) ?? str(bundle['timestamp'])
  if (patient) {
    const name = humanName(patient['name'])
    if (name) view.patientName = name
    const birthDate = str(patient['birthDate'])
    if (birthDate) view.birthDate = birthDate
    for (const contact of array(patient['contact'])) {
      const contactName = isObject(contact['name']) ? (str(contact['name']['text']) ?? humanName([contact['name']])) : undefined
      const phone = array(contact['telecom']).map((telecom) => str(telecom['value'])).find(Boolean)
      const relationship = array(contact['relationship']).map(conceptText).find(Boolean)
      if (contactName || phone) view.contacts.push({ name: contactName ?? phone ?? '', ...(relationship ? { relationship } : {}), ...(phone ? { phone } : {}) })
    }
  }
  const seen = new Set<Json>()
  for (const section of composition ? array(composition['section']) : []) {
    const code = codes(section['code'])
    const key = (Object.keys(sectionLoinc) as (keyof typeof sectionLoinc)[]).find((name) => code.includes(sectionLoinc[name]))
    if (!key) continue
    const sectionEntries = array(section['entry'])
      .map((reference) => byUrl.get(str(reference['reference']) ?? ''))
      .filter((resource): resource is Json => resource !== undefined)
    if (sectionEntries.length === 0 && (key === 'allergies' || key === 'medications' || key === 'problems')) {
      const reason = conceptText(section['emptyReason'])
      if (reason) view.emptyReasons[key] = reason
    }
    for (const resource of sectionEntries) {
      seen.add(resource)
      if (resource['resourceType'] === 'Observation' && codes(resource['code']).some((c) => bloodGroupCodes.has(c))) {
        view.bloodGroup = conceptText(resource['valueCodeableConcept']) ?? str(resource['valueString']) ?? view.bloodGroup
        continue
      }
      const item = itemOf(resource)
      if (item) view[key].push(item)
    }
  }
  // A blood group outside the results section (some builders put it at the top level) still shows.
  if (!view.bloodGroup) {
    const observation = resources.find((resource) => !seen.has(resource) && resource['resourceType'] === 'Observation' && codes(resource['code']).some((c) => bloodGroupCodes.has(c)))
    if (observation) view.bloodGroup = conceptText(observation['valueCodeableConcept']) ?? str(observation['valueString'])
  }
  return view
}

/** The crew's view of the minimum carried inside the QR (no network needed). */
export function viewOfMinimum(minimum: EmergencyMinimum): EmergencyView {
  const updatedAt = new Date(minimum.updatedAt * (minimum.updatedAt < 1e12 ? 1000 : 1)).toISOString()
  const item = (text: string): EmergencyItem => ({ text })
  return {
    source: 'minimum',
    updatedAt,
    allergies: minimum.allergies.map(item),
    medications: minimum.medications.map(item),
    problems: minimum.problems.map(item),
    ...(minimum.bloodGroup ? { bloodGroup: minimum.bloodGroup } : {}),
    devices: [],
    directives: [],
    immunizations: [],
    results: [],
    contacts: minimum.contact ? [{ name: minimum.contact.name, ...(minimum.contact.phone ? { phone: minimum.contact.phone } : {}), ...(minimum.contact.relationship ? { relationship: minimum.contact.relationship } : {}) }] : [],
    emptyReasons: {},
  }
}
