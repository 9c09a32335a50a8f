// A realistic emergency vault: 5 allergies, 8 medications, 6 problems and one contact, as
// the vault holds them (FHIR R4), for the summary, minimum and card-size tests.
import type { FhirResource } from '../../../src/core/fhir/fhirTypes.ts'
import type { EmergencyExtras, SummaryRecord } from '../../../src/core/emergency/ips.ts'

const snomed = 'http://snomed.info/sct'
const patient = { reference: 'Patient/alice' }

const allergy = (text: string, code: string, criticality: string, reaction: string): FhirResource => ({
  resourceType: 'AllergyIntolerance',
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
  criticality,
  code: { coding: [{ system: snomed, code, display: text }], text },
  patient,
  recordedDate: '2024-03-02',
  reaction: [{ manifestation: [{ text: reaction }] }],
})

const medication = (text: string, dosage: string, status = 'active'): FhirResource => ({
  resourceType: 'MedicationStatement',
  status,
  medicationCodeableConcept: { text },
  subject: patient,
  dosage: [{ text: dosage }],
})

const condition = (text: string, status = 'active'): FhirResource => ({
  resourceType: 'Condition',
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: status }] },
  code: { text },
  subject: patient,
  onsetDateTime: '2019-06-01',
})

export const realisticRecords: SummaryRecord[] = [
  { resource: allergy('Penicillin', '764146007', 'high', 'anaphylaxis'), recordedBy: 'Dr. Ana Ruiz', recordedAt: '2024-03-02T10:00:00.000Z' },
  { resource: allergy('Peanut', '762952008', 'high', 'throat swelling'), recordedBy: 'Dr. Ana Ruiz', recordedAt: '2024-03-02T10:00:00.000Z' },
  { resource: allergy('Latex', '111088007', 'low', 'hives') },
  { resource: allergy('Iodinated contrast media', '293637006', 'high', 'bronchospasm') },
  { resource: allergy('Ibuprofen', '387207008', 'low', 'rash') },
  { resource: medication('Metformin 500 mg tablet', 'twice daily with meals'), recordedBy: 'Dr. Ana Ruiz', recordedAt: '2024-05-10T09:00:00.000Z' },
  { resource: medication('Apixaban 5 mg tablet', 'twice daily (anticoagulant)') },
  { resource: medication('Bisoprolol 2.5 mg tablet', 'once daily in the morning') },
  { resource: medication('Ramipril 5 mg capsule', 'once daily') },
  { resource: medication('Atorvastatin 40 mg tablet', 'once daily at night') },
  { resource: medication('Levothyroxine 75 microgram tablet', 'once daily before breakfast') },
  { resource: medication('Insulin glargine 100 units/mL', '18 units at bedtime') },
  { resource: medication('Salbutamol 100 microgram inhaler', '2 puffs as needed') },
  { resource: medication('Amoxicillin 500 mg', 'three times daily', 'completed') },
  { resource: condition('Type 2 diabetes mellitus') },
  { resource: condition('Atrial fibrillation') },
  { resource: condition('Essential hypertension') },
  { resource: condition('Hypothyroidism') },
  { resource: condition('Asthma') },
  { resource: condition('Chronic kidney disease stage 3') },
  { resource: condition('Appendicitis', 'resolved') },
]

export const realisticExtras: EmergencyExtras = {
  bloodGroup: 'A-',
  devices: [{ name: 'Cardiac pacemaker (MRI conditional)', since: '2021-02-11' }],
  directives: [{ text: 'No resuscitation beyond defibrillation; living will with Dr. Ruiz', date: '2023-09-01' }],
  contacts: [{ name: 'Bob Example', relation: 'husband', phone: '+49 170 1234567' }, { name: 'Carol Example', relation: 'daughter', phone: '+49 171 7654321' }],
}

export const summaryOptions = { now: new Date('2026-12-01T08:00:00.000Z'), patientName: 'Alice Example' }
