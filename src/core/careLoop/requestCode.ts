import { decodeBech32m, encodeBech32m } from '../bech32m.ts'
import { CareLoopInputError } from './careLoopErrors.ts'

/**
 * The patient's code that a doctor scans or pastes to ask for access: "salusreq1" then the
 * request mailbox's 33-byte public key in bech32m. It names a mailbox only, never the
 * patient's identity or account; a typo of up to four characters is caught by the checksum.
 */
export const requestCodePrefix = 'salusreq'
const maxInputLength = 200

export function requestCodeText(address: Uint8Array): string {
  if (!isCompressedKey(address)) throw new RangeError('a request mailbox address is a 33-byte compressed key')
  return encodeBech32m(requestCodePrefix, address)
}

/** Reads a pasted, typed or scanned code (untrusted): the request mailbox address it names. */
export function parseRequestCode(text: string): Uint8Array {
  const trimmed = typeof text === 'string' ? text.trim() : ''
  if (trimmed === '') throw new CareLoopInputError('patientCode', 'Paste the patient’s code (it starts with “salusreq1”) or scan its QR code.')
  if (trimmed.length > maxInputLength) throw new CareLoopInputError('patientCode', 'That is too long to be a patient’s code. Copy it again from the patient’s Sharing page.')
  const decoded = decodeBech32m(trimmed.replace(/[\s-]+/g, ''))
  if (!decoded.ok && decoded.reason === 'checksum') {
    throw new CareLoopInputError('patientCode', 'That patient’s code has a typo: its last six characters do not match the rest. Copy it again, or scan its QR code.')
  }
  if (!decoded.ok || decoded.prefix !== requestCodePrefix || !isCompressedKey(decoded.bytes)) {
    throw new CareLoopInputError('patientCode', 'That is not a patient’s code. It starts with “salusreq1”; copy it again from the patient’s Sharing page, or scan its QR code.')
  }
  return decoded.bytes
}

function isCompressedKey(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.byteLength === 33 && (bytes[0] === 2 || bytes[0] === 3)
}
