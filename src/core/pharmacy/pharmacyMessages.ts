import * as dagCbor from '@ipld/dag-cbor'
import { hexToBytes, keccak256, recoverMessageAddress, type Address, type Hex } from 'viem'
import { labelledSecretKey, type SecretKey } from '../../crypto/umbral.ts'
import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'
import { openMessage, sealMessage } from '../careLoop/sealedMessage.ts'
import { bytesField, mapField, stringField, uintField, type Fail } from '../consent/untrustedFields.ts'
import { canonicalJson } from '../envelope/canonicalJson.ts'
import type { FhirResource } from '../fhir/fhirTypes.ts'
import { validateResource } from '../fhir/validateResource.ts'

/**
 * The two messages of a prescription's path over the care nodes' mailboxes (issue 12):
 *
 * - patient → pharmacy: the encoded prescription token, sealed to the pharmacist's
 *   receiving key from the directory and left in that key's mailbox;
 * - pharmacy → patient: a notice (dispensed, with the MedicationDispense and the
 *   Invoice; or refused, with the reason), signed by the pharmacist's account and sealed
 *   to the prescription's reply key, which is derived from the token's secret salt. So the
 *   patient, who holds the token, picks it up; a care node sees a random address and a
 *   size; and a pharmacy reaches the patient without learning who or where they are.
 */

const toPharmacyDomain = 'salus.rx-to-pharmacy.v1'
const noticeDomain = 'salus.rx-notice.v1'
const noticeSignatureDomain = 'salus.rx-notice-signature.v1'
/** A token (a MedicationRequest with its overridden warnings) with plenty of room. */
export const maxPrescriptionMessageBytes = 64 * 1024
/** A notice carries two small FHIR resources. */
export const maxNoticeBytes = 128 * 1024
const addressPattern = /^0x[0-9a-f]{40}$/
const hashPattern = /^0x[0-9a-f]{64}$/

/** A message of the prescription path that is damaged, too large or not what it claims: nothing of it is used. */
export class PharmacyMessageError extends SalusError {
  override name = 'PharmacyMessageError' as const
  constructor(details: string, parameters: SalusErrorParameters = {}) {
    super('A prescription message is damaged or not a Salus prescription message, so it was set aside. Ask the sender to send it again.', { ...parameters, details })
  }
}

/** Seals the encoded token for one pharmacist (their directory umbralPublicKey). */
export function sealPrescriptionForPharmacy(encodedToken: string, pharmacistKey: Uint8Array): Uint8Array {
  if (typeof encodedToken !== 'string' || encodedToken.length === 0 || encodedToken.length > maxPrescriptionMessageBytes) throw new PharmacyMessageError('the token is empty or too long')
  return sealMessage(pharmacistKey, toPharmacyDomain, { v: 1, kind: 'rx', token: encodedToken })
}

/** The pharmacist's open with their receiving key: the encoded token, or undefined when it is not a prescription sealed to this key. */
export function openPrescriptionAtPharmacy(bytes: Uint8Array, receivingKey: SecretKey): string | undefined {
  const body = openMessage(bytes, receivingKey, toPharmacyDomain, maxPrescriptionMessageBytes + 1024)
  if (!body) return undefined
  const fail: Fail = (details) => {
    throw new PharmacyMessageError(details)
  }
  const m = mapField(body, 'prescription message', fail, ['v', 'kind', 'token'])
  if (m.v !== 1 || m.kind !== 'rx') fail('not a version 1 prescription message')
  return stringField(m.token, 'token', fail, maxPrescriptionMessageBytes)
}

/**
 * The prescription's reply key, from the token's secret salt (32 bytes): the patient and
 * any pharmacy the token was shown to can derive it; nobody else can link it to anything.
 */
export function prescriptionReplyKey(salt: Hex): SecretKey {
  const bytes = hexToBytes(salt)
  if (bytes.byteLength !== 32) throw new PharmacyMessageError(`a prescription salt is 32 bytes, not ${bytes.byteLength}`)
  return labelledSecretKey(bytes, 'salus/rx-reply/v1')
}

/** What a pharmacy tells the patient about one prescription. */
export type PharmacyNotice = {
  kind: 'dispensed' | 'refused'
  rxHash: Hex
  /** The pharmacist's account (signs the notice). */
  pharmacist: Address
  /** Unix seconds. */
  at: number
  chainId: number
  /** The Pharmacy contract. */
  pharmacy: Address
  /** MedicationDispense: completed, or declined with the reason. */
  dispense: FhirResource
  /** For `dispensed`: the invoice (FHIR) and its id and amount on chain. */
  invoice?: { resource: FhirResource; id: bigint; amount: bigint }
  /** The dispense transaction. */
  txHash?: Hex
}

export type SignedPharmacyNotice = PharmacyNotice & { signature: Hex }

function noticeBody(notice: PharmacyNotice): Record<string, unknown> {
  return {
    v: 1,
    kind: notice.kind,
    rxHash: notice.rxHash.toLowerCase(),
    pharmacist: notice.pharmacist.toLowerCase(),
    at: notice.at,
    chainId: notice.chainId,
    pharmacy: notice.pharmacy.toLowerCase(),
    dispense: new TextEncoder().encode(canonicalJson(notice.dispense)),
    ...(notice.invoice
      ? { invoice: new TextEncoder().encode(canonicalJson(notice.invoice.resource)), invoiceId: notice.invoice.id.toString(), amount: notice.invoice.amount.toString() }
      : {}),
    ...(notice.txHash ? { txHash: notice.txHash.toLowerCase() } : {}),
  }
}

/** The 32 bytes the pharmacist's account signs (EIP-191 personal message of the raw digest). */
export function pharmacyNoticeDigest(notice: PharmacyNotice): Hex {
  const encoded = dagCbor.encode(noticeBody(notice))
  const domain = new TextEncoder().encode(noticeSignatureDomain)
  const joined = new Uint8Array(domain.byteLength + encoded.byteLength)
  joined.set(domain)
  joined.set(encoded, domain.byteLength)
  return keccak256(joined)
}

/** Seals a signed notice to the prescription's reply key (its public half). */
export function sealPharmacyNotice(notice: SignedPharmacyNotice, replyKey: Uint8Array): Uint8Array {
  const sealed = sealMessage(replyKey, noticeDomain, { ...noticeBody(notice), signature: hexToBytes(notice.signature) })
  if (sealed.byteLength > maxNoticeBytes) throw new PharmacyMessageError(`a notice of ${sealed.byteLength} bytes exceeds ${maxNoticeBytes}`)
  return sealed
}

/**
 * The patient's open with the prescription's reply key: strict decoding, the FHIR resources
 * valid, and the signature recovering to the pharmacist it names (their role is checked on
 * chain by the caller). Undefined when it is not a notice sealed to this key.
 */
export async function openPharmacyNotice(bytes: Uint8Array, replyKey: SecretKey): Promise<SignedPharmacyNotice | undefined> {
  const body = openMessage(bytes, replyKey, noticeDomain, maxNoticeBytes)
  if (!body) return undefined
  const fail: Fail = (details) => {
    throw new PharmacyMessageError(details)
  }
  const m = mapField(body, 'notice', fail, ['v', 'kind', 'rxHash', 'pharmacist', 'at', 'chainId', 'pharmacy', 'dispense', 'invoice', 'invoiceId', 'amount', 'txHash', 'signature'])
  if (m.v !== 1 || (m.kind !== 'dispensed' && m.kind !== 'refused')) fail('not a version 1 notice')
  const resource = (value: unknown, what: string, type: string): FhirResource => {
    const raw = bytesField(value, what, fail, 2, maxNoticeBytes)
    let parsed: FhirResource
    try {
      parsed = validateResource(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw)))
    } catch (cause) {
      throw new PharmacyMessageError(`${what} is not valid FHIR`, { cause })
    }
    if (parsed.resourceType !== type) fail(`${what} is a ${parsed.resourceType}, not a ${type}`)
    return parsed
  }
  const notice: PharmacyNotice = {
    kind: m.kind as PharmacyNotice['kind'],
    rxHash: stringField(m.rxHash, 'rxHash', fail, 66, hashPattern) as Hex,
    pharmacist: stringField(m.pharmacist, 'pharmacist', fail, 42, addressPattern) as Address,
    at: uintField(m.at, 'at', fail, 2 ** 40),
    chainId: uintField(m.chainId, 'chainId', fail, Number.MAX_SAFE_INTEGER, 1),
    pharmacy: stringField(m.pharmacy, 'pharmacy', fail, 42, addressPattern) as Address,
    dispense: resource(m.dispense, 'dispense', 'MedicationDispense'),
    ...(m.txHash === undefined ? {} : { txHash: stringField(m.txHash, 'txHash', fail, 66, hashPattern) as Hex }),
  }
  if (m.kind === 'dispensed') {
    if (m.invoice === undefined) fail('a dispensed notice has no invoice')
    notice.invoice = {
      resource: resource(m.invoice, 'invoice', 'Invoice'),
      id: BigInt(stringField(m.invoiceId, 'invoiceId', fail, 78, /^[0-9]+$/)),
      amount: BigInt(stringField(m.amount, 'amount', fail, 78, /^[1-9][0-9]*$/)),
    }
  } else if (m.invoice !== undefined) fail('a refusal carries no invoice')
  const signature = `0x${Array.from(bytesField(m.signature, 'signature', fail, 65), (b) => b.toString(16).padStart(2, '0')).join('')}` as Hex
  let signer: Address
  try {
    signer = await recoverMessageAddress({ message: { raw: pharmacyNoticeDigest(notice) }, signature })
  } catch (cause) {
    throw new PharmacyMessageError('the notice’s signature does not recover', { cause })
  }
  if (signer.toLowerCase() !== notice.pharmacist) throw new PharmacyMessageError(`the notice is signed by ${signer}, not the pharmacist it names`)
  return { ...notice, signature }
}
