/**
 * Resources that are not a patient's record but the context of one: who, where, with
 * what. A record that points to one carries a copy as a `contained` resource.
 */
export const contextTypes: ReadonlySet<string> = new Set([
  'Practitioner', 'PractitionerRole', 'Organization', 'OrganizationAffiliation', 'Location', 'HealthcareService',
  'Endpoint', 'Medication', 'Substance', 'Group', 'InsurancePlan', 'Binary', 'Provenance', 'AuditEvent',
  'OperationOutcome', 'Questionnaire', 'Library', 'PlanDefinition', 'ActivityDefinition', 'ValueSet', 'CodeSystem',
  'ConceptMap', 'StructureDefinition', 'CapabilityStatement', 'SearchParameter', 'NamingSystem', 'Subscription',
  'MedicationKnowledge', 'ObservationDefinition', 'SpecimenDefinition', 'DeviceDefinition', 'ChargeItemDefinition',
])

/** Whose record it is: the first of these references that is present. */
export const subjectElements = ['patient', 'subject', 'beneficiary', 'for', 'individual'] as const
