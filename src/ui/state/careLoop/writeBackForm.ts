import { buildDiagnosis, buildDiagnosticReport, buildImmunizationGiven, buildPrescription, buildResult, buildVisitNote, type DoctorAuthor } from '../../../core/fhir/doctorForms.ts'
import type { FhirResource } from '../../../core/fhir/fhirTypes.ts'

/** The kinds of item a doctor writes back, in the order the form offers them. */
export const writeBackKinds = ['note', 'diagnosis', 'result', 'report', 'immunization', 'prescription'] as const
export type WriteBackKind = (typeof writeBackKinds)[number]

export const writeBackKindLabels: Record<WriteBackKind, string> = {
  note: 'Visit note',
  diagnosis: 'Diagnosis',
  result: 'Lab result',
  report: 'Report with a PDF or image',
  immunization: 'Immunization',
  prescription: 'Prescription',
}

/** The form's fields (what the inputs bind to: number inputs give numbers); each kind reads its own. */
export type WriteBackFields = Record<string, string | number | null | undefined>

const number = (text: string) => (text.trim() === '' ? Number.NaN : Number(text))
/** No file chosen: the builder says to choose one. */
const noFile = { contentType: '', title: '', bytes: new Uint8Array() }
const optional = (text: string) => (text.trim() ? text.trim() : undefined)

/** The FHIR resource of one form: the doctor's builders check every field (FormInputError names it). */
export function writeBackResource(kind: WriteBackKind, fields: WriteBackFields, context: { author: DoctorAuthor; visitDate: string; file?: { contentType: string; title: string; bytes: Uint8Array } }): FhirResource {
  const base = { author: context.author, visitDate: context.visitDate }
  const f = (name: string) => String(fields[name] ?? '')
  switch (kind) {
    case 'note':
      return buildVisitNote({ ...base, title: f('title'), text: f('text') })
    case 'diagnosis':
      return buildDiagnosis({ ...base, name: f('name'), ...(optional(f('note')) ? { note: optional(f('note'))! } : {}) })
    case 'result':
      return buildResult({ ...base, test: f('test'), value: number(f('value')), unit: f('unit') })
    case 'report':
      return buildDiagnosticReport({ ...base, title: f('title'), ...(optional(f('conclusion')) ? { conclusion: optional(f('conclusion'))! } : {}), file: context.file ?? noFile })
    case 'immunization':
      return buildImmunizationGiven({ ...base, vaccine: f('vaccine'), ...(optional(f('lotNumber')) ? { lotNumber: optional(f('lotNumber'))! } : {}) })
    case 'prescription':
      return buildPrescription({
        ...base,
        medication: f('medication'),
        dose: { value: number(f('doseValue')), unit: f('doseUnit') },
        route: f('route'),
        frequency: { times: number(f('times')), period: number(f('period')), periodUnit: f('periodUnit') || 'd' },
        durationDays: number(f('durationDays')),
        repeats: number(f('repeats')),
        ...(optional(f('instructions')) ? { instructions: optional(f('instructions'))! } : {}),
      })
  }
}

/** A short title for the doctor's list of items sent. */
export function writeBackTitle(kind: WriteBackKind, fields: WriteBackFields): string {
  const main = String(fields.title || fields.name || fields.test || fields.vaccine || fields.medication || '')
  return `${writeBackKindLabels[kind]}${main ? `: ${main.trim().slice(0, 80)}` : ''}`
}
