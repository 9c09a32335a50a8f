import * as dagCbor from '@ipld/dag-cbor'
import { maxCapsuleBytes, signBytes, verifyBytes, type Signer } from '../../crypto/umbral.ts'
import type { Scope } from '../scopes.ts'
import { CapsuleRequestError } from './consentErrors.ts'
import { encodeResponderPass, parseResponderPass, type ResponderCredential, type ResponderPass } from './responderPass.ts'
import { bytesField, domainSeparated, listField, mapField, scopeField, signatureBytes, stringField, uintField, type Fail } from './untrustedFields.ts'

/**
 * A grantee's request to a proxy for capsule fragments (`/salus/pre/1.0.0`), signed
 * by the grantee's registered Umbral key over the dag-cbor of the unsigned fields.
 * Timestamp and nonce stop a captured request from being replayed.
 */
/** v2 names the scope's epoch: a proxy holds one fragment per epoch it was given. */
export const capsuleRequestVersion = 2
/**
 * v3 is a break-glass read of an emergency card (issue 13): v2's fields plus the responder's
 * pass and the responder session key's signature over the same message as the card key's.
 */
export const breakGlassRequestVersion = 3
export const maxRequestCapsules = 64
/** Requests older (or further in the future) than this are stale. */
export const requestFreshnessSeconds = 120
export const requestNonceBytes = 16
const requestDomain = 'salus.pre-request.v2'

export type CapsuleRequest = {
  v: typeof capsuleRequestVersion | typeof breakGlassRequestVersion
  grantId: bigint
  scope: Scope
  /** The scope's key epoch the capsules are sealed to. */
  epoch: number
  capsules: Uint8Array[]
  /** Unix seconds on the grantee's clock. */
  timestamp: number
  nonce: Uint8Array
  signature: Uint8Array
  /** v3 only: the responder reading an emergency card, and their session key's signature. */
  responder?: ResponderPass
  responderSignature?: Uint8Array
}

export type SignCapsuleRequestParameters = {
  grantId: bigint
  scope: Scope
  epoch: number
  capsules: Uint8Array[]
  timestamp?: number
  nonce?: Uint8Array
  /** A break-glass read (v3): the responder's pass and session signer. */
  responder?: ResponderCredential
}

export function signCapsuleRequest(signer: Signer, parameters: SignCapsuleRequestParameters): CapsuleRequest {
  const unsigned: UnsignedRequest = {
    v: parameters.responder ? breakGlassRequestVersion : capsuleRequestVersion,
    grantId: parameters.grantId,
    scope: parameters.scope,
    epoch: parameters.epoch,
    capsules: parameters.capsules,
    timestamp: parameters.timestamp ?? Math.floor(Date.now() / 1000),
    nonce: parameters.nonce ?? crypto.getRandomValues(new Uint8Array(requestNonceBytes)),
    ...(parameters.responder ? { responder: parameters.responder.pass } : {}),
  }
  // Validate our own request as the proxy will, so a caller error is not reported as a refusal.
  const placeholder = new Uint8Array(signatureBytes)
  parseCapsuleRequest({ ...encodeUnsigned(unsigned), signature: placeholder, ...(parameters.responder ? { responderSignature: placeholder } : {}) })
  const message = requestMessage(unsigned)
  const signature = signBytes(signer, message)
  return parameters.responder ? { ...unsigned, signature, responderSignature: signBytes(parameters.responder.signer, message) } : { ...unsigned, signature }
}

/** The wire form: a dag-cbor map (grantId as 0x-hex, since dag-cbor integers stop at 64 bits). */
export function encodeCapsuleRequest(request: CapsuleRequest): Record<string, unknown> {
  return { ...encodeUnsigned(request), signature: request.signature, ...(request.responderSignature ? { responderSignature: request.responderSignature } : {}) }
}

/** Validates an untrusted decoded request; throws `CapsuleRequestError` ('malformed' or 'too-large'). */
export function parseCapsuleRequest(value: unknown): CapsuleRequest {
  const fail: Fail = (details) => {
    throw new CapsuleRequestError('malformed', details)
  }
  const v2Fields = ['v', 'grantId', 'scope', 'epoch', 'capsules', 'timestamp', 'nonce', 'signature']
  const top = mapField(value, 'request', fail)
  if (top.v !== capsuleRequestVersion && top.v !== breakGlassRequestVersion) fail(`unsupported request version ${String(top.v)}`)
  const breakGlass = top.v === breakGlassRequestVersion
  const m = mapField(value, 'request', fail, breakGlass ? [...v2Fields, 'responder', 'responderSignature'] : v2Fields)
  if (Array.isArray(m.capsules) && m.capsules.length > maxRequestCapsules) {
    throw new CapsuleRequestError('too-large', `${m.capsules.length} capsules exceed ${maxRequestCapsules}`)
  }
  const request: CapsuleRequest = {
    v: breakGlass ? breakGlassRequestVersion : capsuleRequestVersion,
    grantId: BigInt(stringField(m.grantId, 'grantId', fail, 66, /^0x[0-9a-f]{1,64}$/)),
    scope: scopeField(m.scope, 'scope', fail),
    epoch: uintField(m.epoch, 'epoch', fail, 0xffffffff),
    capsules: listField(m.capsules, 'capsules', fail, 1, maxRequestCapsules).map((c, i) => bytesField(c, `capsules[${i}]`, fail, 1, maxCapsuleBytes)),
    timestamp: uintField(m.timestamp, 'timestamp', fail, 2 ** 40),
    nonce: bytesField(m.nonce, 'nonce', fail, requestNonceBytes),
    signature: bytesField(m.signature, 'signature', fail, signatureBytes),
  }
  if (breakGlass) {
    request.responder = parseResponderPass(m.responder, 'responder', fail)
    request.responderSignature = bytesField(m.responderSignature, 'responderSignature', fail, signatureBytes)
  }
  return request
}

/** True when `granteeKey` (33-byte compressed) signed exactly this request. */
export function verifyCapsuleRequestSignature(request: CapsuleRequest, granteeKey: Uint8Array): boolean {
  return verifyBytes(granteeKey, requestMessage(request), request.signature)
}

/** True when a break-glass request (v3) is signed by its pass's session key. */
export function verifyResponderRequestSignature(request: CapsuleRequest): boolean {
  if (!request.responder || !request.responderSignature) return false
  return verifyBytes(request.responder.sessionKey, requestMessage(request), request.responderSignature)
}

type UnsignedRequest = Omit<CapsuleRequest, 'signature' | 'responderSignature'>

function encodeUnsigned(request: UnsignedRequest): Record<string, unknown> {
  if (typeof request.grantId !== 'bigint' || request.grantId < 0n || request.grantId >= 2n ** 256n) {
    throw new CapsuleRequestError('malformed', 'grantId is not a uint256')
  }
  return {
    v: request.v,
    grantId: `0x${request.grantId.toString(16)}`,
    scope: request.scope,
    epoch: request.epoch,
    capsules: request.capsules,
    timestamp: request.timestamp,
    nonce: request.nonce,
    ...(request.responder ? { responder: encodeResponderPass(request.responder) } : {}),
  }
}

function requestMessage(request: UnsignedRequest): Uint8Array {
  return domainSeparated(requestDomain, dagCbor.encode(encodeUnsigned(request)))
}
