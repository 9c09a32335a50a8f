import { AppointmentInputError } from './appointmentInputError.ts'

/**
 * Credentials run to the end of a calendar month (UTC), as insurance cards do. Besides
 * being familiar, it keeps the candidates few: the patient's app finds its own leaf by
 * trying each month ahead, without the insurer having to send it anything.
 */
export const credentialSearchMonths = 121

/** The last second (unix) of the UTC month `YYYY-MM`. */
export function endOfMonth(month: string): bigint {
  const match = /^(\d{4})-(\d{2})$/.exec(month.trim())
  const year = Number(match?.[1])
  const index = Number(match?.[2]) - 1
  if (!match || index < 0 || index > 11 || year < 1970 || year > 9999) {
    throw new AppointmentInputError('validUntil', 'Choose the month the cover runs to, for example 2027-12.')
  }
  return BigInt(Date.UTC(year, index + 1, 1) / 1000 - 1)
}

/** End-of-month expiries from the month of `now` (unix seconds) for `count` months. */
export function candidateExpiries(now: number, count = credentialSearchMonths): bigint[] {
  const start = new Date(now * 1000)
  return Array.from({ length: count }, (_, i) => BigInt(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + i + 1, 1) / 1000 - 1))
}

/** A month input's value (YYYY-MM) some months after `now`, for a sensible default. */
export function monthInput(now: number, monthsAhead: number): string {
  const date = new Date(now * 1000)
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + monthsAhead, 1))
  return `${target.getUTCFullYear()}-${String(target.getUTCMonth() + 1).padStart(2, '0')}`
}
