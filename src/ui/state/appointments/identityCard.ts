import { hexToBytes, bytesToHex, numberToHex } from 'viem'
import { decodeBech32m, encodeBech32m } from '../../../core/bech32m.ts'
import { snarkScalarField } from '../../../zk/field.ts'
import { AppointmentInputError } from './appointmentInputError.ts'

/**
 * What the patient's insurance card shows and its QR code holds: the identity commitment
 * as a bech32m code, "salusid1" then 58 characters, the last six a checksum. A code
 * mistyped in up to four characters never reads as another patient's code.
 */
const prefix = 'salusid'
const maxInputLength = 200

/** The identity commitment as the card's text (and QR payload). */
export function identityCardText(commitment: bigint): string {
  if (commitment <= 0n || commitment >= snarkScalarField) throw new RangeError('identity commitment out of the field')
  return encodeBech32m(prefix, hexToBytes(numberToHex(commitment, { size: 32 })))
}

/**
 * Reads a code an insurer pasted, typed or scanned. Untrusted input: length-limited,
 * checked against its checksum (a typo is refused, never read as another code), and
 * checked to be a field element.
 */
export function parseIdentityCommitment(text: string): bigint {
  const field = 'identityCommitment'
  const trimmed = text.trim()
  if (trimmed === '') throw new AppointmentInputError(field, 'Paste the identity code from the patient’s insurance card.')
  if (trimmed.length > maxInputLength) throw new AppointmentInputError(field, 'That is too long to be an identity code. Copy it again from the patient’s card.')
  const decoded = decodeBech32m(trimmed.replace(/[\s-]+/g, ''))
  if (!decoded.ok && decoded.reason === 'checksum') {
    throw new AppointmentInputError(field, 'That identity code has a typo: its last six characters do not match the rest. Copy it again from the patient’s card, or scan its QR code.')
  }
  if (!decoded.ok || decoded.prefix !== prefix || decoded.bytes.length !== 32) {
    throw new AppointmentInputError(field, 'That is not an identity code. It starts with “salusid1”; copy it again from the patient’s card, or scan its QR code.')
  }
  const value = BigInt(bytesToHex(decoded.bytes))
  if (value === 0n || value >= snarkScalarField) {
    throw new AppointmentInputError(field, 'That identity code is out of range. Copy it again from the patient’s card.')
  }
  return value
}
