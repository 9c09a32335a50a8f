import { snarkScalarField } from '../../../zk/field.ts'
import { AppointmentInputError } from './appointmentInputError.ts'

/** What the patient's insurance card shows and its QR code holds. */
const prefix = 'salus-identity:'
const maxInputLength = 200

/** The identity commitment as the card's text (and QR payload): a prefix, then 64 hex digits. */
export function identityCardText(commitment: bigint): string {
  return `${prefix}0x${commitment.toString(16).padStart(64, '0')}`
}

/**
 * Reads a commitment an insurer pasted or scanned: the card text, bare hex (0x…) or
 * decimal. Untrusted input: length-limited and checked to be a field element.
 */
export function parseIdentityCommitment(text: string): bigint {
  const field = 'identityCommitment'
  const trimmed = text.trim()
  if (trimmed === '') throw new AppointmentInputError(field, 'Paste the identity code from the patient’s insurance card.')
  if (trimmed.length > maxInputLength) throw new AppointmentInputError(field, 'That is too long to be an identity code. Copy it again from the patient’s card.')
  const body = trimmed.toLowerCase().startsWith(prefix) ? trimmed.slice(prefix.length) : trimmed
  let value: bigint
  if (/^0x[0-9a-fA-F]{1,64}$/.test(body) || /^[0-9]{1,78}$/.test(body)) value = BigInt(body)
  else throw new AppointmentInputError(field, 'That is not an identity code. It starts with “salus-identity:0x”; copy it again from the patient’s card.')
  if (value === 0n || value >= snarkScalarField) {
    throw new AppointmentInputError(field, 'That identity code is out of range. Copy it again from the patient’s card.')
  }
  return value
}
