/**
 * FHIR datatypes as short human-readable text. Inputs are validated resources, but
 * these helpers still tolerate missing parts: a view must never throw.
 */
type Json = Record<string, unknown>

const asObject = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined

export const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value])

export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

/** CodeableConcept: its text, else the first coding's display, else its code. */
export function conceptText(value: unknown): string | undefined {
  const concept = asObject(value)
  if (!concept) return undefined
  const codings = asList(concept.coding).map(asObject)
  return (
    text(concept.text) ??
    codings.map((coding) => text(coding?.display)).find(Boolean) ??
    codings.map((coding) => text(coding?.code)).find(Boolean)
  )
}

export function conceptsText(value: unknown): string | undefined {
  return joined(asList(value).map(conceptText))
}

export function referenceText(value: unknown): string | undefined {
  const reference = asObject(value)
  if (!reference) return undefined
  return text(reference.display) ?? conditionalReferenceText(text(reference.reference)) ?? text(asObject(reference.identifier)?.value)
}

/** `Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999962229` reads "Practitioner 9999962229". */
function conditionalReferenceText(reference: string | undefined): string | undefined {
  const match = reference ? /^([A-Z][A-Za-z]+)\?identifier=(?:[^|]*\|)?(.+)$/.exec(reference) : null
  return match ? `${match[1]} ${match[2] ?? ''}` : reference
}

/** Money as "USD 129.16" (the currency code, so no locale guesses a symbol). */
export function moneyText(value: unknown): string | undefined {
  const money = asObject(value)
  if (!money || typeof money.value !== 'number') return undefined
  const currency = text(money.currency)
  return `${currency ? `${currency} ` : ''}${money.value.toFixed(2)}`
}

export function quantityText(value: unknown): string | undefined {
  const quantity = asObject(value)
  if (!quantity || quantity.value === undefined) return undefined
  const unit = text(quantity.unit) ?? text(quantity.code)
  const comparator = text(quantity.comparator) ?? ''
  return `${comparator}${String(quantity.value)}${unit ? (unit === '%' ? '%' : ` ${unit}`) : ''}`
}

export function rangeText(value: unknown): string | undefined {
  const range = asObject(value)
  if (!range) return undefined
  const low = quantityText(range.low)
  const high = quantityText(range.high)
  if (low && high) return `${low} – ${high}`
  return low ? `≥ ${low}` : high ? `≤ ${high}` : text(range.text)
}

/** A FHIR dateTime as the clock on the wall where it happened: "1985-01-09 14:59" (dates stay as written). */
export function dateTimeText(value: unknown): string | undefined {
  const written = text(value)
  const match = written ? /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(written) : null
  return match ? `${match[1]} ${match[2]}` : written
}

export function periodText(value: unknown): string | undefined {
  const period = asObject(value)
  if (!period) return undefined
  const start = dateTimeText(period.start)
  const end = dateTimeText(period.end)
  // A visit within one day reads "1985-01-09 14:59 to 15:14".
  if (start && end) return start.length === 16 && end.length === 16 && start.slice(0, 10) === end.slice(0, 10) ? `${start} to ${end.slice(11)}` : `${start} to ${end}`
  return start ? `since ${start}` : end ? `until ${end}` : undefined
}

export function humanNameText(value: unknown): string | undefined {
  const name = asObject(value)
  if (!name) return undefined
  return text(name.text) ?? joined([...asList(name.prefix), ...asList(name.given), name.family, ...asList(name.suffix)].map(text), ' ')
}

export function addressText(value: unknown): string | undefined {
  const address = asObject(value)
  if (!address) return undefined
  return text(address.text) ?? joined([...asList(address.line), address.city, address.postalCode, address.country].map(text))
}

export function contactPointText(value: unknown): string | undefined {
  const point = asObject(value)
  const shown = text(point?.value)
  return shown && point?.system ? `${shown} (${String(point.system)})` : shown
}

export function timingText(value: unknown): string | undefined {
  const timing = asObject(value)
  const repeat = asObject(timing?.repeat)
  if (!repeat) return conceptText(timing?.code)
  const frequency = repeat.frequency ?? (repeat.period !== undefined ? 1 : undefined)
  const unit = text(repeat.periodUnit)
  const units: Record<string, string> = { s: 'second', min: 'minute', h: 'hour', d: 'day', wk: 'week', mo: 'month', a: 'year' }
  if (frequency === undefined || !unit) return repeat.count !== undefined ? `${String(repeat.count)} time(s)` : undefined
  const period = repeat.period !== undefined && repeat.period !== 1 ? `${String(repeat.period)} ${units[unit] ?? unit}s` : (units[unit] ?? unit)
  return `${String(frequency)} time(s) per ${period}`
}

/** Dosage: its own text, else dose, timing and route put together. */
export function dosageText(value: unknown): string | undefined {
  const dosage = asObject(value)
  if (!dosage) return undefined
  const dose = asList(dosage.doseAndRate).map(asObject).map((entry) => quantityText(entry?.doseQuantity) ?? rangeText(entry?.doseRange)).find(Boolean)
  return text(dosage.text) ?? joined([dose, timingText(dosage.timing), conceptText(dosage.route), text(dosage.patientInstruction)])
}

/** The value of a choice element such as onset[x] or value[x], as text. */
export function choiceText(resource: Json, prefix: string): string | undefined {
  for (const [key, value] of Object.entries(resource)) {
    if (!key.startsWith(prefix) || !/^[A-Z]/.test(key.slice(prefix.length))) continue
    const type = key.slice(prefix.length)
    if (type === 'Quantity' || type === 'Age' || type === 'Duration') return quantityText(value)
    if (type === 'CodeableConcept') return conceptText(value)
    if (type === 'Reference') return referenceText(value)
    if (type === 'Period') return periodText(value)
    if (type === 'Range') return rangeText(value)
    if (type === 'Ratio') {
      const ratio = asObject(value)
      return joined([quantityText(ratio?.numerator), quantityText(ratio?.denominator)], ' / ')
    }
    if (type === 'Boolean') return value === true ? 'yes' : 'no'
    if (type === 'DateTime' || type === 'Instant') return dateTimeText(value)
    return text(value)
  }
  return undefined
}

/** The date a choice element names: a dateTime, or the start of a period. */
export function choiceDate(resource: Json, prefix: string): string | undefined {
  const value = resource[`${prefix}DateTime`] ?? resource[`${prefix}Instant`] ?? asObject(resource[`${prefix}Period`])?.start
  return text(value)
}

export function annotationsText(value: unknown): string | undefined {
  return joined(asList(value).map((note) => text(asObject(note)?.text)), '\n')
}

export function byteSizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  const units = ['KB', 'MB', 'GB']
  let size = bytes / 1024
  let unit = 0
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024
    unit++
  }
  return `${size.toFixed(size < 10 ? 1 : 0)} ${units[unit]}`
}

export function joined(parts: (string | undefined)[], separator = ', '): string | undefined {
  const present = parts.filter((part): part is string => Boolean(part))
  return present.length > 0 ? present.join(separator) : undefined
}

export { asObject }
