import type { CodeableConcept, FhirResource } from '../../fhir/fhirTypes.ts'

/** A record the checks read: `ref` is how a warning points back to it (vault cid or "Type/id"). */
export type CheckedRecord = { ref: string; resource: FhirResource }

export type AllergyFact = { ref: string; substance: CodeableConcept | undefined; criticality?: string; verification?: string; category: string[] }
export type MedicationFact = { ref: string; medication: CodeableConcept | undefined; status: string }

type Json = Record<string, unknown>

function codeOf(concept: unknown): string | undefined {
  const coding = (concept as CodeableConcept | undefined)?.coding
  return coding?.find((c) => typeof c.code === 'string')?.code
}

/** Inactive, resolved, refuted or entered in error: not an allergy to check against. */
function isCurrentAllergy(resource: Json): boolean {
  const clinical = codeOf(resource.clinicalStatus)
  const verification = codeOf(resource.verificationStatus)
  return (clinical === undefined || clinical === 'active') && verification !== 'refuted' && verification !== 'entered-in-error'
}

const currentStatuses: Record<string, readonly string[]> = {
  MedicationRequest: ['active', 'on-hold', 'draft'],
  MedicationStatement: ['active', 'intended', 'on-hold'],
}

/** medicationCodeableConcept, or the contained Medication a `#id` reference points to, or the reference's display. */
export function medicationConcept(resource: FhirResource): CodeableConcept | undefined {
  const json = resource as Json
  if (json.medicationCodeableConcept) return json.medicationCodeableConcept as CodeableConcept
  const reference = json.medicationReference as { reference?: string; display?: string } | undefined
  if (!reference) return undefined
  if (reference.reference?.startsWith('#')) {
    const id = reference.reference.slice(1)
    const contained = (json.contained as Json[] | undefined)?.find((c) => c.resourceType === 'Medication' && c.id === id)
    const code = contained?.code as CodeableConcept | undefined
    if (code) return reference.display && !code.text ? { ...code, text: reference.display } : code
  }
  return reference.display ? { text: reference.display } : undefined
}

/** The patient's current allergies and medications among the records a doctor can see. */
export function patientMedicationFacts(records: readonly CheckedRecord[]): { allergies: AllergyFact[]; medications: MedicationFact[] } {
  const allergies: AllergyFact[] = []
  const medications: MedicationFact[] = []
  for (const { ref, resource } of records) {
    const json = resource as Json
    if (resource.resourceType === 'AllergyIntolerance') {
      if (!isCurrentAllergy(json)) continue
      const category = Array.isArray(json.category) ? (json.category as string[]) : []
      const fact = { ref, criticality: json.criticality as string | undefined, verification: codeOf(json.verificationStatus), category }
      allergies.push({ ...fact, substance: json.code as CodeableConcept | undefined })
      for (const reaction of (json.reaction as Json[] | undefined) ?? []) {
        if (reaction.substance) allergies.push({ ...fact, substance: reaction.substance as CodeableConcept })
      }
    } else if (resource.resourceType in currentStatuses) {
      const status = typeof json.status === 'string' ? json.status : ''
      if (!currentStatuses[resource.resourceType]?.includes(status)) continue
      medications.push({ ref, medication: medicationConcept(resource), status })
    }
  }
  return { allergies, medications }
}
