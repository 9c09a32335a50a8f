import type { Scope } from '../scopes.ts'
import type { FhirResource } from './fhirTypes.ts'

const scopeByType: Record<string, Scope> = {
  AllergyIntolerance: 'allergies',
  MedicationStatement: 'medications',
  Medication: 'medications',
  MedicationAdministration: 'medications',
  MedicationDispense: 'medications',
  MedicationRequest: 'prescriptions',
  Condition: 'conditions',
  Procedure: 'procedures',
  ImagingStudy: 'imaging',
  Immunization: 'immunizations',
  DocumentReference: 'notes',
  Communication: 'notes',
  Patient: 'summary',
  Composition: 'summary',
  Device: 'summary',
  Bundle: 'summary',
  Consent: 'summary',
  Flag: 'summary',
  RelatedPerson: 'summary',
}

const observationCategory = 'http://terminology.hl7.org/CodeSystem/observation-category'
const diagnosticServiceSection = 'http://terminology.hl7.org/CodeSystem/v2-0074'
// v2-0074 sections that are imaging: radiology, CT, MRI, ultrasound, nuclear medicine, …
const imagingSections = new Set(['RAD', 'CT', 'CUS', 'NMR', 'NMS', 'RUS', 'VUS', 'OUS', 'XRC', 'IMG'])

/** An observation or report is imaging when one of its categories says so. */
function isImaging(resource: FhirResource): boolean {
  const categories = Array.isArray(resource.category) ? resource.category : resource.category ? [resource.category] : []
  return categories.some((category) => {
    const codings = (category as { coding?: { system?: string; code?: string }[] } | null)?.coding
    return Array.isArray(codings) && codings.some((coding) =>
      (coding?.system === observationCategory && coding.code === 'imaging') ||
      (coding?.system === diagnosticServiceSection && imagingSections.has(coding.code ?? '')))
  })
}

/** Which access scope a record belongs to; a grant for that scope lets a doctor read it. */
export function scopeOfResource(resource: FhirResource): Scope {
  if (resource.resourceType === 'Observation' || resource.resourceType === 'DiagnosticReport') {
    return isImaging(resource) ? 'imaging' : 'labs'
  }
  return scopeByType[resource.resourceType] ?? 'notes'
}
