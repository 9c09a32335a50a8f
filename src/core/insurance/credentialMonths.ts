/**
 * Credentials run to the end of a calendar month (UTC), as insurance cards do. Besides
 * being familiar, it keeps the candidates few: the patient's app finds its own leaf by
 * trying each month ahead, without the insurer having to send it anything.
 */
export const credentialSearchMonths = 121

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
