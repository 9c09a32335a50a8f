import type { Scope } from '../scopes.ts'

/** How a person sorts their history: by what happened, not by FHIR type or access scope. */
export const recordCategories = [
  { id: 'visits', label: 'Visits' },
  { id: 'conditions', label: 'Conditions' },
  { id: 'allergies', label: 'Allergies' },
  { id: 'medications', label: 'Medications' },
  { id: 'results', label: 'Lab results' },
  { id: 'imaging', label: 'Imaging' },
  { id: 'procedures', label: 'Procedures' },
  { id: 'immunizations', label: 'Immunizations' },
  { id: 'care', label: 'Care plans and goals' },
  { id: 'documents', label: 'Notes and documents' },
  { id: 'devices', label: 'Devices' },
  { id: 'family', label: 'Family history' },
  { id: 'insurance', label: 'Insurance and claims' },
  { id: 'summary', label: 'Summary and other' },
] as const

export type RecordCategory = (typeof recordCategories)[number]['id']

const byType: Record<string, RecordCategory> = {
  Encounter: 'visits', Appointment: 'visits', EpisodeOfCare: 'visits',
  Condition: 'conditions', ClinicalImpression: 'conditions', RiskAssessment: 'conditions',
  AllergyIntolerance: 'allergies',
  Medication: 'medications', MedicationRequest: 'medications', MedicationStatement: 'medications',
  MedicationDispense: 'medications', MedicationAdministration: 'medications',
  Specimen: 'results',
  ImagingStudy: 'imaging', Media: 'imaging',
  Procedure: 'procedures', ServiceRequest: 'procedures',
  Immunization: 'immunizations', ImmunizationRecommendation: 'immunizations', ImmunizationEvaluation: 'immunizations',
  CarePlan: 'care', CareTeam: 'care', Goal: 'care', NutritionOrder: 'care',
  DocumentReference: 'documents', Communication: 'documents', QuestionnaireResponse: 'documents', DiagnosticReport: 'results',
  Device: 'devices', DeviceUseStatement: 'devices', DeviceRequest: 'devices', SupplyDelivery: 'devices', SupplyRequest: 'devices',
  FamilyMemberHistory: 'family',
  Coverage: 'insurance', Claim: 'insurance', ClaimResponse: 'insurance', ExplanationOfBenefit: 'insurance', Invoice: 'insurance',
}

const byScope: Record<Scope, RecordCategory> = {
  summary: 'summary', allergies: 'allergies', medications: 'medications', conditions: 'conditions',
  procedures: 'procedures', labs: 'results', imaging: 'imaging', immunizations: 'immunizations',
  notes: 'documents', prescriptions: 'medications',
}

/** The category of a record: by its type, else by its scope (an imaging report is imaging). */
export function recordCategoryOf(record: { resourceType: string; scope: Scope }): RecordCategory {
  if ((record.resourceType === 'Observation' || record.resourceType === 'DiagnosticReport') && record.scope === 'imaging') return 'imaging'
  if (record.resourceType === 'Observation') return 'results'
  return byType[record.resourceType] ?? byScope[record.scope]
}

export function recordCategoryLabel(category: RecordCategory): string {
  return recordCategories.find((item) => item.id === category)?.label ?? category
}
