import { FormInputError } from './fhirErrors.ts'
import { primitiveProblem } from './primitives.ts'

/** Free text from a form: trimmed, empty means "not given". */
export function optionalText(field: string, label: string, value: string | undefined, maxLength = 1000): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new FormInputError(field, `${label} must be text.`)
  const trimmed = value.trim()
  if (trimmed === '') return undefined
  if (trimmed.length > maxLength) throw new FormInputError(field, `${label} is too long: keep it under ${maxLength.toLocaleString('en')} characters.`)
  return trimmed
}

export function requiredText(field: string, label: string, value: string | undefined, maxLength = 1000): string {
  const text = optionalText(field, label, value, maxLength)
  if (text === undefined) throw new FormInputError(field, `Please enter ${label.charAt(0).toLowerCase()}${label.slice(1)}.`)
  return text
}

/** A choice from a fixed list (a FHIR required value set). */
export function optionalChoice<T extends string>(field: string, label: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  const text = optionalText(field, label, value, 100)
  if (text === undefined) return undefined
  if (!(allowed as readonly string[]).includes(text)) throw new FormInputError(field, `${label} must be one of: ${allowed.join(', ')}.`)
  return text as T
}

// One day of slack: the patient's "today" may already be tomorrow in UTC.
const oneDay = 86_400_000

/** A clinical date: YYYY, YYYY-MM, YYYY-MM-DD or a full FHIR dateTime, not in the future. */
export function optionalDate(field: string, label: string, value: string | undefined, now = Date.now()): string | undefined {
  const text = optionalText(field, label, value, 40)
  if (text === undefined) return undefined
  if (primitiveProblem('dateTime', text)) {
    throw new FormInputError(field, `${label} must be a date such as 2024-03-15 (or just 2024-03 or 2024).`)
  }
  if (Date.parse(text.length <= 10 ? `${text.padEnd(7, '-01').padEnd(10, '-01')}T00:00:00Z` : text) > now + oneDay) {
    throw new FormInputError(field, `${label} cannot be in the future.`)
  }
  return text
}

export function requiredDate(field: string, label: string, value: string | undefined): string {
  const date = optionalDate(field, label, value)
  if (date === undefined) throw new FormInputError(field, `Please enter ${label.charAt(0).toLowerCase()}${label.slice(1)}.`)
  return date
}

export function finiteNumber(field: string, label: string, value: number | undefined, required: boolean): number | undefined {
  if (value === undefined && !required) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new FormInputError(field, `${label} must be a number.`)
  return value
}

/** UTF-8 text as base64 (FHIR Attachment.data), without spreading a large array. */
export function utf8ToBase64(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (let index = 0; index < bytes.length; index += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000))
  }
  return btoa(binary)
}
