/**
 * FHIR R4 primitive types: JSON representation and the regexes from the R4 spec
 * (https://hl7.org/fhir/R4/datatypes.html), plus a calendar check the regexes lack.
 */
export const primitiveTypes = new Set([
  'boolean', 'integer', 'positiveInt', 'unsignedInt', 'decimal', 'string', 'markdown',
  'code', 'id', 'uri', 'url', 'canonical', 'oid', 'uuid', 'base64Binary', 'date',
  'dateTime', 'instant', 'time', 'xhtml',
])

/** 1 MiB: a longer string is not a clinical text but an attempt to exhaust memory. */
export const maxStringBytes = 1024 * 1024
/** Inline attachment data may be as large as an imported file. */
export const maxAttachmentDataBytes = 20 * 1024 * 1024

const year = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)'
const zone = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))'
const clock = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?'
const dateRegex = new RegExp(`^${year}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$`)
const dateTimeRegex = new RegExp(
  `^${year}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T${clock}${zone})?)?)?$`,
)
const instantRegex = new RegExp(
  `^${year}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T${clock}${zone}$`,
)
const timeRegex = new RegExp(`^${clock}$`)
const codeRegex = /^[^\s]+( [^\s]+)*$/
const idRegex = /^[A-Za-z0-9\-.]{1,64}$/
const uriRegex = /^\S*$/
const oidRegex = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/
const uuidRegex = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const base64Regex = /^[A-Za-z0-9+/]*={0,2}$/
const stringRegex = /^[ \r\n\t\S]+$/

/** UTF-8 size without allocating a copy (strings here can be megabytes). */
export function utf8Length(text: string): number {
  let bytes = 0
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4
      index++
    } else bytes += 3
  }
  return bytes
}

function daysInMonth(yearNumber: number, month: number): number {
  return new Date(Date.UTC(yearNumber, month, 0)).getUTCDate()
}

/** The regexes allow 31 February; a real calendar does not. */
function calendarOk(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value)
  if (!match) return true
  return Number(match[3]) <= daysInMonth(Number(match[1]), Number(match[2]))
}

/** Why `value` is not a valid FHIR `type`, or undefined when it is. */
export function primitiveProblem(type: string, value: unknown, maxBytes = maxStringBytes): string | undefined {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false'
    case 'integer':
    case 'positiveInt':
    case 'unsignedInt': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be a whole number'
      if (value < -2147483648 || value > 2147483647) return 'is outside the 32-bit integer range'
      if (type === 'positiveInt' && value < 1) return 'must be 1 or more'
      if (type === 'unsignedInt' && value < 0) return 'must not be negative'
      return undefined
    }
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number'
  }
  if (typeof value !== 'string') return `must be a string (FHIR ${type})`
  const bytes = value.length > maxBytes / 3 ? utf8Length(value) : value.length
  if (bytes > maxBytes) return `is longer than the ${Math.round(maxBytes / 1048576)} MB limit`
  const show = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  const invalid = `${show} is not a valid FHIR ${type}`
  switch (type) {
    case 'string':
    case 'markdown':
      return stringRegex.test(value) ? undefined : 'must not be empty'
    case 'code':
      return codeRegex.test(value) ? undefined : invalid
    case 'id':
      return idRegex.test(value) ? undefined : `${invalid} (1–64 letters, digits, '-' or '.')`
    case 'uri':
    case 'url':
    case 'canonical':
      return value.length > 0 && uriRegex.test(value) ? undefined : invalid
    case 'oid':
      return oidRegex.test(value) ? undefined : invalid
    case 'uuid':
      return uuidRegex.test(value) ? undefined : invalid
    case 'base64Binary': {
      const compact = value.replace(/\s+/g, '')
      return compact.length % 4 === 0 && base64Regex.test(compact) ? undefined : `${show} is not valid base64`
    }
    case 'date':
      return dateRegex.test(value) && calendarOk(value) ? undefined : `${invalid} (use YYYY, YYYY-MM or YYYY-MM-DD)`
    case 'dateTime':
      return dateTimeRegex.test(value) && calendarOk(value) ? undefined : invalid
    case 'instant':
      return instantRegex.test(value) && calendarOk(value) ? undefined : `${invalid} (a full date, time and time zone)`
    case 'time':
      return timeRegex.test(value) ? undefined : invalid
    case 'xhtml':
      return xhtmlProblem(value)
  }
  return `has unknown primitive type ${type}`
}

/** Narrative is shown to people: it must be one <div> and carry no script (FHIR txt-1). */
function xhtmlProblem(value: string): string | undefined {
  const trimmed = value.trim()
  if (!trimmed.startsWith('<div') || !trimmed.endsWith('</div>')) return 'must be an XHTML <div> element'
  if (/<script|\son[a-z]+\s*=|javascript:/i.test(trimmed)) return 'must not contain scripts or event handlers'
  return undefined
}

/**
 * Earliest (or latest) instant a partial FHIR date/dateTime can mean, in ms since the
 * epoch. Times without a zone are read as UTC; callers allow 14 hours of slack.
 */
export function dateTimeBound(value: string, edge: 'earliest' | 'latest'): number {
  const parts = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(T.*)?$/.exec(value)
  if (!parts) return Number.NaN
  if (parts[4]) return Date.parse(value)
  const yearNumber = Number(parts[1])
  const month = parts[2] ? Number(parts[2]) : edge === 'earliest' ? 1 : 12
  const day = parts[3] ? Number(parts[3]) : edge === 'earliest' ? 1 : daysInMonth(yearNumber, month)
  const start = Date.UTC(yearNumber, month - 1, day)
  return edge === 'earliest' ? start : start + 86_400_000 - 1
}
