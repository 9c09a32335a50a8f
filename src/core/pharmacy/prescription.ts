import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, getAddress, hexToBytes, isAddress, keccak256, recoverTypedDataAddress, type Address, type Hex } from 'viem'
import { bytesToDecimal, decimalToBytes } from '../emergency/decimalBytes.ts'
import { canonicalJson } from '../envelope/canonicalJson.ts'
import { FhirValidationError } from '../fhir/fhirErrors.ts'
import type { FhirResource } from '../fhir/fhirTypes.ts'
import { validateDoctorResource } from '../fhir/doctorForms.ts'
import { PrescriptionFormatError, PrescriptionInvalidError } from './prescriptionErrors.ts'

/**
 * A prescription the patient carries (issue 12): the doctor's MedicationRequest and what
 * the doctor signed about it with EIP-712 in the domain "Salus Pharmacy" (chain id, the
 * Pharmacy contract):
 *   Prescription { bytes32 rxHash; uint8 repeats; uint64 notAfter; uint64 issuedAt }
 * rxHash = keccak256(salt ‖ sha256(canonical JSON of the MedicationRequest)): the chain
 * sees only rxHash, and a fresh 32-byte salt per prescription makes two prescriptions of
 * one patient (even of the same drug, same day) share nothing. Dispenses allowed on chain
 * = repeats + 1, none after notAfter.
 */
export type PrescriptionToken = {
  /** A MedicationRequest about Patient/self, requested by Practitioner/<doctor> (buildPrescription). */
  medicationRequest: FhirResource
  /** 32 random bytes (0x + 64 hex), fresh for each prescription. */
  salt: Hex
  /** Refills after the first fill: 0..maxPrescriptionRepeats. */
  repeats: number
  /** Unix seconds; no dispense after it. */
  notAfter: number
  /** Unix seconds: when the doctor signed. */
  issuedAt: number
  /** The doctor's account, who signed. */
  doctor: Address
  /** EIP-712 signature over prescriptionTypedData (65 bytes). */
  signature: Hex
}

/** What the doctor signs: the token without its signature. */
export type PrescriptionTerms = Omit<PrescriptionToken, 'signature'>

/** Where the signature is valid: the chain and the Pharmacy contract (its EIP-712 verifying contract). */
export type PrescriptionDomain = { chainId: number; pharmacy: Address }

export const prescriptionVersion = 1
/** The QR's URL fragment starts with it: `<origin>/#rx:<digits>`. */
export const prescriptionFragmentPrefix = 'rx:'
/** As the doctor's form (buildPrescription) allows; the contract counts dispenses in a uint8. */
export const maxPrescriptionRepeats = 99
/**
 * The MedicationRequest as packed in the code, at most: with the 131 bytes around it, 4,290
 * digits, a QR code of version 34 at level L. A form-built prescription packs to about 500.
 */
export const maxPackedRequestBytes = 1_650

const checksumBytes = 4
const headerBytes = 1 + 1 + 4 + 4 + 32 + 20 + 65
const saltPattern = /^0x[0-9a-fA-F]{64}$/
const signaturePattern = /^0x[0-9a-fA-F]{130}$/

const prescriptionTypes = {
  Prescription: [
    { name: 'rxHash', type: 'bytes32' },
    { name: 'repeats', type: 'uint8' },
    { name: 'notAfter', type: 'uint64' },
    { name: 'issuedAt', type: 'uint64' },
  ],
} as const

/** sha256 of the MedicationRequest's canonical JSON (UTF-8): the content the salt hides. */
export function prescriptionContentHash(medicationRequest: FhirResource): Uint8Array {
  return sha256(new TextEncoder().encode(canonicalJson(medicationRequest)))
}

/** keccak256(salt ‖ sha256(canonical JSON of the MedicationRequest)): the only thing of the prescription the chain sees. */
export function prescriptionHash(token: Pick<PrescriptionToken, 'medicationRequest' | 'salt'>): Hex {
  if (typeof token.salt !== 'string' || !saltPattern.test(token.salt)) throw new PrescriptionInvalidError('salt', 'The prescription’s salt must be 32 bytes.')
  return keccak256(concatBytes([hexToBytes(token.salt), prescriptionContentHash(token.medicationRequest)]))
}

/** The struct Pharmacy.dispense takes (and the doctor signs). */
export function prescriptionMessage(token: Pick<PrescriptionToken, 'medicationRequest' | 'salt' | 'repeats' | 'notAfter' | 'issuedAt'>) {
  return { rxHash: prescriptionHash(token), repeats: token.repeats, notAfter: BigInt(token.notAfter), issuedAt: BigInt(token.issuedAt) }
}

/** The EIP-712 typed data the doctor's wallet signs (viem signTypedData). */
export function prescriptionTypedData(token: Pick<PrescriptionToken, 'medicationRequest' | 'salt' | 'repeats' | 'notAfter' | 'issuedAt'>, { chainId, pharmacy }: PrescriptionDomain) {
  return {
    domain: { name: 'Salus Pharmacy', version: '1', chainId, verifyingContract: pharmacy },
    types: prescriptionTypes,
    primaryType: 'Prescription' as const,
    message: prescriptionMessage(token),
  }
}

/** A fresh 32-byte salt (Web Crypto). */
export function newPrescriptionSalt(): Hex {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)))
}

/**
 * Checks every field of a token or of terms about to be signed: a MedicationRequest the
 * doctor requested for Patient/self (valid R4), its numberOfRepeatsAllowed (if any) equal
 * to `repeats`, times in range and notAfter after issuedAt. Returns the MedicationRequest
 * as validated. Throws PrescriptionInvalidError naming the field.
 */
export function checkPrescriptionTerms(terms: PrescriptionTerms): FhirResource {
  if (typeof terms !== 'object' || terms === null) throw new PrescriptionInvalidError('token', 'The prescription is empty.')
  if (typeof terms.doctor !== 'string' || !isAddress(terms.doctor, { strict: false })) throw new PrescriptionInvalidError('doctor', 'The prescribing doctor’s account is not a valid address.')
  if (!Number.isSafeInteger(terms.repeats) || terms.repeats < 0 || terms.repeats > maxPrescriptionRepeats) {
    throw new PrescriptionInvalidError('repeats', `Repeats must be a whole number from 0 to ${maxPrescriptionRepeats}.`)
  }
  for (const field of ['issuedAt', 'notAfter'] as const) {
    const value = terms[field]
    if (!Number.isSafeInteger(value) || value < 1 || value > 0xffffffff) throw new PrescriptionInvalidError(field, `The prescription’s ${field === 'issuedAt' ? 'issue date' : 'expiry date'} is out of range.`)
  }
  if (terms.notAfter <= terms.issuedAt) throw new PrescriptionInvalidError('notAfter', 'The prescription must stay valid for some time after it is issued.')
  if (typeof terms.salt !== 'string' || !saltPattern.test(terms.salt)) throw new PrescriptionInvalidError('salt', 'The prescription’s salt must be 32 bytes.')
  let request: FhirResource
  try {
    request = validateDoctorResource(terms.medicationRequest, terms.doctor)
  } catch (cause) {
    const reason = cause instanceof FhirValidationError ? cause.shortMessage : 'it is not valid FHIR'
    throw new PrescriptionInvalidError('medicationRequest', `The prescription’s content cannot be used: ${reason}`, { cause })
  }
  if (request.resourceType !== 'MedicationRequest') throw new PrescriptionInvalidError('medicationRequest', `A prescription holds a MedicationRequest, not a ${request.resourceType}.`)
  const allowed = (request.dispenseRequest as { numberOfRepeatsAllowed?: unknown } | undefined)?.numberOfRepeatsAllowed
  if (allowed !== undefined && allowed !== terms.repeats) {
    throw new PrescriptionInvalidError('repeats', `The prescription allows ${String(allowed)} repeats in its text but ${terms.repeats} in what the doctor signed.`)
  }
  return request
}

/**
 * Whether the token's signature is the named doctor's for this deployment; throws
 * PrescriptionInvalidError('signature') if not. The doctor's certification is checked
 * separately (on chain at dispense, and by the pharmacist's app against the Registry).
 */
export async function verifyPrescriptionSignature(token: PrescriptionToken, domain: PrescriptionDomain): Promise<void> {
  checkPrescriptionTerms(token)
  if (typeof token.signature !== 'string' || !signaturePattern.test(token.signature)) throw new PrescriptionInvalidError('signature', 'The prescription’s signature is missing or damaged.')
  let signer: Address
  try {
    signer = await recoverTypedDataAddress({ ...prescriptionTypedData(token, domain), signature: token.signature })
  } catch (cause) {
    throw new PrescriptionInvalidError('signature', 'The prescription’s signature does not match its content: it was altered or forged.', { cause })
  }
  if (signer.toLowerCase() !== token.doctor.toLowerCase()) {
    throw new PrescriptionInvalidError('signature', 'The prescription was not signed by the doctor it names (or for another Salus network): it was altered or forged.', { details: `signed by ${signer}, names ${token.doctor}` })
  }
}

/**
 * The token as `<origin>/#rx:<digits>` (or `rx:<digits>` without an origin) for a QR
 * code in numeric mode, like the emergency card: version, repeats, times, salt, doctor,
 * signature, the MedicationRequest's canonical JSON packed with a fixed dictionary of
 * FHIR strings, and a 4-byte SHA-256 checksum.
 */
export function encodePrescriptionToken(token: PrescriptionToken, origin = ''): string {
  const request = checkPrescriptionTerms(token)
  if (typeof token.signature !== 'string' || !signaturePattern.test(token.signature)) throw new PrescriptionInvalidError('signature', 'The prescription’s signature is missing or damaged.')
  const packed = packJson(canonicalJson(request))
  if (packed.length > maxPackedRequestBytes) {
    throw new PrescriptionInvalidError('medicationRequest', `The prescription is too long for a QR code (${packed.length} bytes packed, at most ${maxPackedRequestBytes}). Shorten its instructions or notes.`)
  }
  const body = new Uint8Array(headerBytes + packed.length)
  body[0] = prescriptionVersion
  body[1] = token.repeats
  const view = new DataView(body.buffer)
  view.setUint32(2, token.notAfter)
  view.setUint32(6, token.issuedAt)
  body.set(hexToBytes(token.salt), 10)
  body.set(hexToBytes(getAddress(token.doctor)), 42)
  body.set(hexToBytes(token.signature), 62)
  body.set(packed, headerBytes)
  const payload = concatBytes([body, sha256(body).subarray(0, checksumBytes)])
  const digits = `${prescriptionFragmentPrefix}${bytesToDecimal(payload)}`
  return origin ? `${origin.replace(/\/+$/, '')}/#${digits}` : digits
}

/**
 * Reads a prescription from a QR code's text (the whole URL, or from `rx:` on). Strict:
 * a foreign text, another version, a payload cut off or altered (checksum), a
 * MedicationRequest that is not canonical, not valid or not the doctor's, or values out
 * of range throw PrescriptionFormatError. The signature is checked by
 * verifyPrescriptionSignature (it needs the deployment).
 */
export function decodePrescriptionToken(text: string): PrescriptionToken {
  const fail = (reason: string, cause?: unknown): never => {
    throw new PrescriptionFormatError(reason, cause === undefined ? {} : { cause })
  }
  if (typeof text !== 'string' || text.length > 16_384) fail('the text is not a prescription')
  const at = text.indexOf(prescriptionFragmentPrefix)
  if (at < 0 || (at > 0 && text[at - 1] !== '#')) fail('it is not a Salus prescription code')
  const bytes = decimalToBytes(text.slice(at + prescriptionFragmentPrefix.length).trim()) ?? fail('the code has characters or a length a prescription never has (is it cut off?)')
  if (bytes.length < headerBytes + 2 + checksumBytes) fail('it is too short (cut off?)')
  if (bytes[0] !== prescriptionVersion) fail(`it is version ${String(bytes[0])}, which this Salus does not read (update Salus)`)
  const body = bytes.subarray(0, bytes.length - checksumBytes)
  const expected = sha256(body).subarray(0, checksumBytes)
  if (!expected.every((byte, index) => byte === bytes[body.length + index])) fail('its checksum does not match (damaged, cut off or altered)')
  if (body.length - headerBytes > maxPackedRequestBytes) fail('it is longer than any prescription')
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const json = unpackJson(body.subarray(headerBytes)) ?? fail('its content is not text')
  let medicationRequest: unknown
  try {
    medicationRequest = JSON.parse(json)
  } catch (cause) {
    return fail('its content is not JSON', cause)
  }
  if (canonicalJson(medicationRequest) !== json) fail('its content is not in canonical form')
  const token: PrescriptionToken = {
    medicationRequest: medicationRequest as FhirResource,
    salt: bytesToHex(body.subarray(10, 42)),
    repeats: body[1] as number,
    notAfter: view.getUint32(2),
    issuedAt: view.getUint32(6),
    doctor: getAddress(bytesToHex(body.subarray(42, 62))),
    signature: bytesToHex(body.subarray(62, 127)),
  }
  try {
    token.medicationRequest = checkPrescriptionTerms(token)
  } catch (cause) {
    return fail(cause instanceof PrescriptionInvalidError ? cause.shortMessage.replace(/\.$/, '') : 'a value is out of range', cause)
  }
  return token
}

/**
 * Strings of a form-built MedicationRequest's canonical JSON, each packed as one byte
 * 0x01–0x1f: canonical JSON never holds a raw control character (JSON.stringify escapes
 * them), so these bytes are free. Longest first; never reorder (it is the format).
 */
const dictionary = [
  '"resourceType":"MedicationRequest"',
  '"subject":{"reference":"Patient/self"}',
  '"system":"http://www.nlm.nih.gov/research/umls/rxnorm"',
  '"system":"http://unitsofmeasure.org"',
  '"medicationCodeableConcept":',
  '"system":"http://snomed.info/sct"',
  '"reference":"Practitioner/0x',
  '"numberOfRepeatsAllowed":',
  '"expectedSupplyDuration":',
  '"type":"Practitioner"',
  '"dosageInstruction":',
  '"patientInstruction":',
  '"dispenseRequest":',
  '"boundsDuration":',
  '"validityPeriod":',
  '"status":"active"',
  '"intent":"order"',
  '"doseQuantity":',
  '"authoredOn":',
  '"doseAndRate":',
  '"periodUnit":',
  '"requester":',
  '"reasonCode":',
  '"frequency":',
  '"recorder":',
  '"timing":{"repeat":',
  '"display":',
  '"coding":[{',
  '"route":',
  '"value":',
  '"text":',
] as const
const dictionaryBytes = dictionary.map((entry) => new TextEncoder().encode(entry))

function packJson(json: string): Uint8Array {
  const out: number[] = []
  const encoder = new TextEncoder()
  let literal = ''
  for (let i = 0; i < json.length;) {
    const index = dictionary.findIndex((entry) => json.startsWith(entry, i))
    if (index >= 0) {
      if (literal) out.push(...encoder.encode(literal))
      literal = ''
      out.push(index + 1)
      i += (dictionary[index] as string).length
    } else {
      literal += json[i]
      i += 1
    }
  }
  if (literal) out.push(...encoder.encode(literal))
  return Uint8Array.from(out)
}

function unpackJson(packed: Uint8Array): string | undefined {
  const out: number[] = []
  for (const byte of packed) {
    if (byte === 0) return undefined
    if (byte <= dictionary.length) out.push(...(dictionaryBytes[byte - 1] as Uint8Array))
    else out.push(byte)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(out))
  } catch {
    return undefined
  }
}
