/** The forms a patient can fill in, and their fields. The labels are the accessible names tests rely on. */
export type RecordKind = 'allergy' | 'medication' | 'condition' | 'labResult' | 'immunization' | 'note'

export type FieldSpec = {
  name: string
  label: string
  type: 'text' | 'textarea' | 'date' | 'number' | 'select' | 'file'
  required?: boolean
  /** Shown under the field; also says what a valid value looks like. */
  hint?: string
  options?: readonly { value: string; label: string }[]
  maxLength?: number
  /** Prefill with today's date. */
  defaultToday?: boolean
}

export type KindSpec = { kind: RecordKind; label: string; fields: readonly FieldSpec[] }

export const maxAttachmentBytes = 100 * 1024 * 1024
export const attachmentAccept = 'application/pdf,image/*'

const today = { defaultToday: true } as const

/** Field names are the parameter names of core's builders (recordForms.ts), so their errors land on the right field. */
export const recordKinds: readonly KindSpec[] = [
  {
    kind: 'allergy',
    label: 'Allergy',
    fields: [
      { name: 'substance', label: 'Substance', type: 'text', required: true, hint: 'What you react to, for example “Penicillin”.', maxLength: 200 },
      { name: 'reaction', label: 'Reaction', type: 'text', hint: 'Optional, for example “Hives”.', maxLength: 500 },
      {
        name: 'severity',
        label: 'Severity',
        type: 'select',
        hint: 'How bad the reaction was (describe the reaction first).',
        options: [
          { value: '', label: 'Not known' },
          { value: 'mild', label: 'Mild' },
          { value: 'moderate', label: 'Moderate' },
          { value: 'severe', label: 'Severe' },
        ],
      },
      { name: 'onset', label: 'Date', type: 'date', hint: 'When it was first noticed (optional).' },
    ],
  },
  {
    kind: 'medication',
    label: 'Medication',
    fields: [
      { name: 'name', label: 'Medication name', type: 'text', required: true, hint: 'For example “Metformin 500 mg”.', maxLength: 200 },
      { name: 'dose', label: 'Dose', type: 'text', hint: 'Optional, for example “1 tablet”.', maxLength: 200 },
      { name: 'frequency', label: 'How often', type: 'text', hint: 'Optional, for example “twice a day”.', maxLength: 200 },
      { name: 'start', label: 'Date', type: 'date', hint: 'When you started taking it (optional).' },
    ],
  },
  {
    kind: 'condition',
    label: 'Condition',
    fields: [
      { name: 'name', label: 'Condition', type: 'text', required: true, hint: 'For example “Type 2 diabetes”.', maxLength: 200 },
      {
        name: 'clinicalStatus',
        label: 'Status',
        type: 'select',
        options: [
          { value: 'active', label: 'Active' },
          { value: 'remission', label: 'In remission' },
          { value: 'resolved', label: 'Resolved' },
        ],
      },
      { name: 'onset', label: 'Date', type: 'date', hint: 'When it started (optional).' },
    ],
  },
  {
    kind: 'labResult',
    label: 'Lab result',
    fields: [
      { name: 'test', label: 'Test', type: 'text', required: true, hint: 'For example “HbA1c”.', maxLength: 200 },
      { name: 'value', label: 'Value', type: 'number', required: true, hint: 'A number, for example 6.5.' },
      { name: 'unit', label: 'Unit', type: 'text', required: true, hint: 'For example “%” or “mmol/L”.', maxLength: 64 },
      { name: 'date', label: 'Date', type: 'date', required: true, ...today, hint: 'When the sample was taken.' },
    ],
  },
  {
    kind: 'immunization',
    label: 'Immunization',
    fields: [
      { name: 'vaccine', label: 'Vaccine', type: 'text', required: true, hint: 'For example “Tetanus booster”.', maxLength: 200 },
      { name: 'date', label: 'Date', type: 'date', required: true, ...today, hint: 'When you were vaccinated.' },
      { name: 'lotNumber', label: 'Lot number', type: 'text', hint: 'Optional: printed on your vaccination card.', maxLength: 100 },
    ],
  },
  {
    kind: 'note',
    label: 'Note',
    fields: [
      { name: 'title', label: 'Title', type: 'text', required: true, hint: 'For example “Discharge letter”.', maxLength: 200 },
      { name: 'text', label: 'Text', type: 'textarea', hint: 'Optional if you attach a file.', maxLength: 100_000 },
      { name: 'date', label: 'Date', type: 'date', hint: 'The date of the letter or document (optional).' },
      { name: 'attachment', label: 'Attach a file', type: 'file', hint: 'Optional: a PDF or an image, up to 100 MB.' },
    ],
  },
]

export function kindSpec(kind: RecordKind): KindSpec {
  const spec = recordKinds.find((candidate) => candidate.kind === kind)
  if (!spec) throw new Error(`unknown record kind ${kind}`)
  return spec
}
