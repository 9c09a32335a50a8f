import { AppointmentInputError } from './appointmentInputError.ts'

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
