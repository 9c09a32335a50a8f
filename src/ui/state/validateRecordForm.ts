import { attachmentAccept, kindSpec, maxAttachmentBytes, type RecordKind } from './recordKinds.ts'

export type FormValues = Record<string, string>
export type FileInfo = { name: string; size: number; type: string }
/** Field name → what is wrong and what to do. */
export type FormErrors = Record<string, string>

/** Checks a record form before anything is built or encrypted; messages name the field and the fix. */
export function validateRecordForm(kind: RecordKind, values: FormValues, file: FileInfo | undefined, today: string): FormErrors {
  const errors: FormErrors = {}
  for (const field of kindSpec(kind).fields) {
    const value = (values[field.name] ?? '').trim()
    if (field.type === 'file') {
      if (file) {
        const problem = attachmentProblem(file)
        if (problem) errors[field.name] = problem
      }
      continue
    }
    if (!value) {
      if (field.required) errors[field.name] = `${field.label} is required. ${field.hint ?? ''}`.trim()
      continue
    }
    if (field.maxLength && value.length > field.maxLength)
      errors[field.name] = `${field.label} is too long: keep it under ${field.maxLength} characters.`
    else if (field.type === 'number' && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value))
      errors[field.name] = `${field.label} must be a number, for example 6.5. Put the unit in its own field.`
    else if (field.type === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(new Date(`${value}T00:00:00Z`).getTime()))
        errors[field.name] = `${field.label} is not a valid date. Use the date picker or type it as YYYY-MM-DD.`
      else if (value > today) errors[field.name] = `${field.label} is in the future. Enter the day it happened.`
    }
  }
  if (kind === 'note' && !(values.text ?? '').trim() && !file && !errors.text)
    errors.text = 'Write some text or attach a file: a note needs one of the two.'
  return errors
}

function attachmentProblem(file: FileInfo): string | undefined {
  if (file.size === 0) return `“${file.name}” is empty. Choose another file.`
  if (file.size > maxAttachmentBytes) return `“${file.name}” is larger than 100 MB. Attach a smaller file or split it.`
  const accepted = file.type === 'application/pdf' || file.type.startsWith('image/')
  if (!accepted) return `“${file.name}” is not a PDF or an image. Attach a PDF, JPEG or PNG file (${attachmentAccept}).`
  return undefined
}

/** Today's date (YYYY-MM-DD) in the patient's time zone. */
export function localToday(now = new Date()): string {
  const offset = now.getTimezoneOffset() * 60_000
  return new Date(now.getTime() - offset).toISOString().slice(0, 10)
}
