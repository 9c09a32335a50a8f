/** Access scopes: a patient grants per scope; each scope has its own Umbral key per epoch. */
export const scopes = [
  'summary',
  'allergies',
  'medications',
  'conditions',
  'procedures',
  'labs',
  'imaging',
  'immunizations',
  'notes',
  'prescriptions',
] as const

export type Scope = (typeof scopes)[number]

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (scopes as readonly string[]).includes(value)
}

export const scopeLabels: Record<Scope, string> = {
  summary: 'Summary',
  allergies: 'Allergies',
  medications: 'Medications',
  conditions: 'Conditions',
  procedures: 'Procedures',
  labs: 'Lab results',
  imaging: 'Imaging',
  immunizations: 'Immunizations',
  notes: 'Notes and documents',
  prescriptions: 'Prescriptions',
}
