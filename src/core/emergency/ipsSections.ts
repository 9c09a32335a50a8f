/** Codes of the FHIR International Patient Summary (IPS IG 1.x, R4) that Salus writes and checks. */
export const loinc = 'http://loinc.org'
export const snomed = 'http://snomed.info/sct'
export const listEmptyReason = 'http://terminology.hl7.org/CodeSystem/list-empty-reason'
export const ipsDocumentCode = '60591-5'
export const bloodGroupCode = '882-1'
/** Who recorded an item and when, on every entry Salus writes (the crew page shows "recorded by … on …"). */
export const recordedByExtension = 'urn:salus:fhir:recorded-by'
export const recordedAtExtension = 'urn:salus:fhir:recorded-at'

export type SectionKey = 'problems' | 'allergies' | 'medications' | 'pastProblems' | 'immunizations' | 'devices' | 'directives' | 'results'

export type SectionDefinition = {
  code: string
  display: string
  title: string
  required: boolean
  /** Resource types an entry of this section may be (IPS profiles' targets). */
  entryTypes: readonly string[]
}

export const ipsSections: Record<SectionKey, SectionDefinition> = {
  allergies: { code: '48765-2', display: 'Allergies and adverse reactions Document', title: 'Allergies and intolerances', required: true, entryTypes: ['AllergyIntolerance', 'DocumentReference'] },
  medications: { code: '10160-0', display: 'History of Medication use Narrative', title: 'Medication summary', required: true, entryTypes: ['MedicationStatement', 'MedicationRequest', 'MedicationAdministration', 'MedicationDispense', 'DocumentReference'] },
  problems: { code: '11450-4', display: 'Problem list - Reported', title: 'Problem list', required: true, entryTypes: ['Condition', 'DocumentReference'] },
  pastProblems: { code: '11348-0', display: 'History of Past illness Narrative', title: 'Past illnesses', required: false, entryTypes: ['Condition', 'DocumentReference'] },
  immunizations: { code: '11369-6', display: 'History of Immunization Narrative', title: 'Immunizations', required: false, entryTypes: ['Immunization', 'DocumentReference'] },
  devices: { code: '46264-8', display: 'History of medical device use', title: 'Implants and medical devices', required: false, entryTypes: ['DeviceUseStatement', 'Device', 'DocumentReference'] },
  directives: { code: '42348-3', display: 'Advance directives', title: 'Advance directives', required: false, entryTypes: ['Consent', 'DocumentReference'] },
  results: { code: '30954-2', display: 'Relevant diagnostic tests/laboratory data Narrative', title: 'Results', required: false, entryTypes: ['Observation', 'DiagnosticReport', 'DocumentReference'] },
}

export const sectionKeys = Object.keys(ipsSections) as SectionKey[]

export function sectionKeyOfCode(code: string | undefined): SectionKey | undefined {
  return sectionKeys.find((key) => ipsSections[key].code === code)
}

/** ABO and Rh(D) groups with their SNOMED CT codes (the values IPS examples use for LOINC 882-1). */
export const bloodGroups = {
  'O+': { code: '278147001', display: 'Blood group O Rh(D) positive' },
  'O-': { code: '278148006', display: 'Blood group O Rh(D) negative' },
  'A+': { code: '278149003', display: 'Blood group A Rh(D) positive' },
  'A-': { code: '278152006', display: 'Blood group A Rh(D) negative' },
  'B+': { code: '278150003', display: 'Blood group B Rh(D) positive' },
  'B-': { code: '278153001', display: 'Blood group B Rh(D) negative' },
  'AB+': { code: '278151004', display: 'Blood group AB Rh(D) positive' },
  'AB-': { code: '278154007', display: 'Blood group AB Rh(D) negative' },
} as const

export type BloodGroup = keyof typeof bloodGroups

export function isBloodGroup(value: unknown): value is BloodGroup {
  return typeof value === 'string' && Object.hasOwn(bloodGroups, value)
}

const pastClinicalStatuses = new Set(['inactive', 'remission', 'resolved'])

/** Where a resource goes in the summary; undefined: not part of an emergency summary. */
export function sectionOfResource(resource: { resourceType: string; clinicalStatus?: unknown }): SectionKey | undefined {
  switch (resource.resourceType) {
    case 'AllergyIntolerance': return 'allergies'
    case 'MedicationStatement': case 'MedicationRequest': case 'MedicationAdministration': case 'MedicationDispense': return 'medications'
    case 'Condition': {
      const codings = (resource.clinicalStatus as { coding?: { code?: string }[] } | undefined)?.coding ?? []
      return codings.some((coding) => pastClinicalStatuses.has(coding.code ?? '')) ? 'pastProblems' : 'problems'
    }
    case 'Immunization': return 'immunizations'
    case 'DeviceUseStatement': return 'devices'
    case 'Consent': return 'directives'
    case 'Observation': case 'DiagnosticReport': return 'results'
    default: return undefined
  }
}
