import { bytesToHex, isAddressEqual, recoverTypedDataAddress, type Address, type Hex } from 'viem'
import { addressPattern, listField, mapField, stringField, uintField, type Fail } from '../consent/untrustedFields.ts'
import { isScope, scopes as allScopes, type Scope } from '../scopes.ts'
import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

/**
 * A doctor's request for access to a patient's records: what, why, for how long, by whom.
 * Signed (EIP-712) by the doctor's account and sealed to the patient's request mailbox
 * (sealedPayload.ts), so the care node keeping it reads nothing, and bound to that mailbox
 * (`to`) and this deployment, so it cannot be replayed to another patient or network.
 */
export type AccessRequest = {
  v: 1
  /** The patient's request mailbox address (33-byte compressed key, 0x-hex). */
  to: Hex
  doctor: Address
  scopes: Scope[]
  reason: string
  /** How long the doctor asks access for, in days. */
  durationDays: number
  /** Unix seconds. */
  requestedAt: number
  /** 32 random bytes: names the request in answers and refuses replays. */
  nonce: Hex
}

export type SignedAccessRequest = { kind: 'access-request'; request: AccessRequest; signature: Hex }

export const maxReasonLength = 500
export const maxDurationDays = 365
/** A request older than this is refused (the doctor asks again); also how long the patient remembers nonces. */
export const accessRequestLifetimeSeconds = 14 * 24 * 60 * 60
/** Clock skew allowed for a request dated in the future. */
const maxSkewSeconds = 5 * 60
/** The encoded signed request; far above a real one (about 1 KB with a full reason). */
export const maxAccessRequestBytes = 4 * 1024

const keyHex = /^0x0[23][0-9a-f]{64}$/
const nonceHex = /^0x[0-9a-f]{64}$/
const signatureHex = /^0x[0-9a-f]{130}$/

/** The deployment a request is signed for: the EIP-712 domain. */
export type AccessRequestDomain = { chainId: number; registry: Address }

export function accessRequestTypedData(request: AccessRequest, domain: AccessRequestDomain) {
  return {
    domain: { name: 'Salus access request', version: '1', chainId: domain.chainId, verifyingContract: domain.registry },
    types: {
      AccessRequest: [
        { name: 'to', type: 'bytes' },
        { name: 'doctor', type: 'address' },
        { name: 'scopes', type: 'string[]' },
        { name: 'reason', type: 'string' },
        { name: 'durationDays', type: 'uint32' },
        { name: 'requestedAt', type: 'uint64' },
        { name: 'nonce', type: 'bytes32' },
      ],
    },
    primaryType: 'AccessRequest',
    message: {
      to: request.to,
      doctor: request.doctor,
      scopes: request.scopes,
      reason: request.reason,
      durationDays: request.durationDays,
      requestedAt: BigInt(request.requestedAt),
      nonce: request.nonce,
    },
  } as const
}

/** A new request, checked as the patient will check it (a mistake is reported to the doctor, not the patient). */
export function buildAccessRequest(input: {
  to: Uint8Array
  doctor: Address
  scopes: readonly Scope[]
  reason: string
  durationDays: number
  now?: number
  nonce?: Uint8Array
}): AccessRequest {
  const request: AccessRequest = {
    v: 1,
    to: bytesToHex(input.to),
    doctor: input.doctor,
    scopes: allScopes.filter((scope) => input.scopes.includes(scope)),
    reason: input.reason.trim(),
    durationDays: input.durationDays,
    requestedAt: input.now ?? Math.floor(Date.now() / 1000),
    nonce: bytesToHex(input.nonce ?? crypto.getRandomValues(new Uint8Array(32))),
  }
  return parseAccessRequestFields(request, inputFail)
}

export function encodeAccessRequest(signed: SignedAccessRequest): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(signed))
  if (bytes.byteLength > maxAccessRequestBytes) throw new AccessRequestRefusedError('too-large', `${bytes.byteLength} bytes`)
  return bytes
}

/** Strict decoding of untrusted bytes (after opening the sealed payload): size, shape, every field. */
export function decodeAccessRequest(bytes: Uint8Array): SignedAccessRequest {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength > maxAccessRequestBytes) throw new AccessRequestRefusedError('too-large', 'request over the size limit')
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new AccessRequestRefusedError('malformed', 'not UTF-8 JSON')
  }
  return parseSignedAccessRequest(value)
}

export function parseSignedAccessRequest(value: unknown): SignedAccessRequest {
  const fail = malformedFail
  const m = mapField(value, 'access request', fail, ['kind', 'request', 'signature'])
  if (m.kind !== 'access-request') fail('kind must be access-request')
  return {
    kind: 'access-request',
    request: parseAccessRequestFields(m.request, fail),
    signature: stringField(m.signature, 'signature', fail, 132, signatureHex) as Hex,
  }
}

function parseAccessRequestFields(value: unknown, fail: Fail): AccessRequest {
  const r = mapField(value, 'request', fail, ['v', 'to', 'doctor', 'scopes', 'reason', 'durationDays', 'requestedAt', 'nonce'])
  if (r.v !== 1) fail('v must be 1')
  const scopes = listField(r.scopes, 'scopes', fail, 1, allScopes.length).map((scope, i) => (isScope(scope) ? scope : fail(`scopes[${i}] is not a known scope`)))
  if (new Set(scopes).size !== scopes.length) fail('scopes repeat')
  if (scopes.some((scope, i) => i > 0 && allScopes.indexOf(scope) < allScopes.indexOf(scopes[i - 1]!))) fail('scopes out of order')
  return {
    v: 1,
    to: stringField(r.to, 'to', fail, 68, keyHex) as Hex,
    doctor: stringField(r.doctor, 'doctor', fail, 42, addressPattern) as Address,
    scopes,
    reason: stringField(r.reason, 'reason', fail, maxReasonLength),
    durationDays: uintField(r.durationDays, 'durationDays', fail, maxDurationDays, 1),
    requestedAt: uintField(r.requestedAt, 'requestedAt', fail, 2 ** 40, 1),
    nonce: stringField(r.nonce, 'nonce', fail, 66, nonceHex) as Hex,
  }
}

export type AccessRequestCheck = AccessRequestDomain & {
  /** This patient's request mailbox address. */
  to: Uint8Array
  /** Unix seconds. */
  now: number
  /** Whether this nonce was seen before (a request is answered once). */
  seen(nonce: Hex): boolean
}

/**
 * Everything that can be checked without the chain: meant for this mailbox, signed by
 * the doctor it names, recent, and not seen before. Whether the signer is a certified
 * doctor now is the flow's question (collectAccessRequests). Throws AccessRequestRefusedError.
 */
export async function checkAccessRequest(signed: SignedAccessRequest, check: AccessRequestCheck): Promise<void> {
  const { request } = signed
  if (request.to.toLowerCase() !== bytesToHex(check.to).toLowerCase()) throw new AccessRequestRefusedError('misdirected', 'request names another mailbox')
  let signer: Address
  try {
    signer = await recoverTypedDataAddress({ ...accessRequestTypedData(request, check), signature: signed.signature })
  } catch (error) {
    throw new AccessRequestRefusedError('forged', 'signature does not recover', { cause: error })
  }
  if (!isAddressEqual(signer, request.doctor)) throw new AccessRequestRefusedError('forged', `signed by ${signer}, names ${request.doctor}`)
  if (request.requestedAt > check.now + maxSkewSeconds) throw new AccessRequestRefusedError('expired', 'dated in the future')
  if (request.requestedAt + accessRequestLifetimeSeconds < check.now) throw new AccessRequestRefusedError('expired', 'older than the request lifetime')
  if (check.seen(request.nonce)) throw new AccessRequestRefusedError('replayed', `nonce ${request.nonce} seen before`)
}

export type AccessRequestRefusal = 'malformed' | 'too-large' | 'misdirected' | 'forged' | 'expired' | 'replayed' | 'not-a-doctor'

const refusalSentences: Record<AccessRequestRefusal, string> = {
  malformed: 'A request for access could not be read, so it was set aside. Ask the doctor to send it again from an up-to-date Salus.',
  'too-large': 'A request for access was too large to be a real one, so it was set aside.',
  misdirected: 'A request for access was meant for another code, so it was set aside.',
  forged: 'A request for access was not signed by the doctor it names, so it was set aside. Nobody was given access.',
  expired: 'A request for access is too old (or dated in the future), so it was set aside. Ask the doctor to send a new one.',
  replayed: 'A request for access arrived a second time; it was answered already, so the copy was set aside.',
  'not-a-doctor': 'A request for access came from an account that is not a certified doctor, so it was set aside. Nobody was given access.',
}

/** A request the patient's app will not show; `reason` says why in one word, `shortMessage` in a sentence. */
export class AccessRequestRefusedError extends SalusError {
  override name = 'AccessRequestRefusedError' as const
  readonly reason: AccessRequestRefusal
  constructor(reason: AccessRequestRefusal, details: string, parameters: SalusErrorParameters = {}) {
    super(refusalSentences[reason], { ...parameters, details })
    this.reason = reason
  }
}

const malformedFail: Fail = (details) => {
  throw new AccessRequestRefusedError('malformed', details)
}

const inputFail: Fail = (details) => {
  throw new AccessRequestInputError(details)
}

/** The doctor's own request is not one the patient would accept (no scope, no reason, a duration out of range). */
export class AccessRequestInputError extends SalusError {
  override name = 'AccessRequestInputError' as const
  constructor(details: string) {
    super(`This request cannot be sent: choose at least one kind of record, give a reason (up to ${maxReasonLength} characters) and a duration of 1 to ${maxDurationDays} days.`, { details })
  }
}
