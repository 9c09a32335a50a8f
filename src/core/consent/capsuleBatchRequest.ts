import * as dagCbor from '@ipld/dag-cbor'
import { maxCapsuleBytes, signBytes, verifyBytes, type Signer } from '../../crypto/umbral.ts'
import type { Scope } from '../scopes.ts'
import { requestNonceBytes } from './capsuleRequest.ts'
import { CapsuleRequestError } from './consentErrors.ts'
import { encodeResponderPass, parseResponderPass, type ResponderCredential, type ResponderPass } from './responderPass.ts'
import { bytesField, domainSeparated, listField, mapField, scopeField, signatureBytes, stringField, uintField, type Fail } from './untrustedFields.ts'

/**
 * A batch of capsules for one proxy (`/salus/pre/1.0.0`, request version 4): the
 * capsules of many records, in groups of one scope and epoch, in ONE signed request, so
 * a doctor opening a whole history makes one round trip per proxy instead of one per
 * record. The proxy makes every check of a single request: freshness, the grantee's (or
 * a break-glass responder's) signature, the nonce, the grant live and unexpired, once
 * for the batch; then per group the scope granted, an access session on it and a
 * fragment for the epoch; then per capsule that it is one. A group or a capsule that
 * fails is answered with its reason in its place; the others are re-encrypted.
 */
export const capsuleBatchRequestVersion = 4
/** Capsules in one batch, all groups together: a larger opening is split by the client. */
export const maxBatchCapsules = 1024
/** Groups (scope, epoch) in one batch: ten scopes, a few epochs each. */
export const maxBatchGroups = 64
const batchDomain = 'salus.pre-batch.v4'

export type CapsuleBatchGroup = { scope: Scope; epoch: number; capsules: Uint8Array[] }

export type CapsuleBatchRequest = {
  v: typeof capsuleBatchRequestVersion
  grantId: bigint
  groups: CapsuleBatchGroup[]
  timestamp: number
  nonce: Uint8Array
  signature: Uint8Array
  /** A break-glass read of an emergency card: the responder's pass and its session key's signature. */
  responder?: ResponderPass
  responderSignature?: Uint8Array
}

export type SignCapsuleBatchParameters = {
  grantId: bigint
  groups: CapsuleBatchGroup[]
  timestamp?: number
  nonce?: Uint8Array
  responder?: ResponderCredential
}

/** Signs a batch; throws `CapsuleRequestError` ('too-large' past maxBatchCapsules, 'malformed') before anything is sent. */
export function signCapsuleBatch(signer: Signer, parameters: SignCapsuleBatchParameters): CapsuleBatchRequest {
  const unsigned: UnsignedBatch = {
    v: capsuleBatchRequestVersion,
    grantId: parameters.grantId,
    groups: parameters.groups,
    timestamp: parameters.timestamp ?? Math.floor(Date.now() / 1000),
    nonce: parameters.nonce ?? crypto.getRandomValues(new Uint8Array(requestNonceBytes)),
    ...(parameters.responder ? { responder: parameters.responder.pass } : {}),
  }
  const placeholder = new Uint8Array(signatureBytes)
  parseCapsuleBatch({ ...encodeUnsigned(unsigned), signature: placeholder, ...(parameters.responder ? { responderSignature: placeholder } : {}) })
  const message = batchMessage(unsigned)
  const signature = signBytes(signer, message)
  return parameters.responder ? { ...unsigned, signature, responderSignature: signBytes(parameters.responder.signer, message) } : { ...unsigned, signature }
}

export function encodeCapsuleBatch(request: CapsuleBatchRequest): Record<string, unknown> {
  return { ...encodeUnsigned(request), signature: request.signature, ...(request.responderSignature ? { responderSignature: request.responderSignature } : {}) }
}

/** True when the decoded message claims to be a batch (version 4); it is then parsed with parseCapsuleBatch. */
export function isCapsuleBatch(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { v?: unknown }).v === capsuleBatchRequestVersion
}

/** Validates an untrusted decoded batch; throws `CapsuleRequestError` ('malformed' or 'too-large'). */
export function parseCapsuleBatch(value: unknown): CapsuleBatchRequest {
  const fail: Fail = (details) => {
    throw new CapsuleRequestError('malformed', details)
  }
  const fields = ['v', 'grantId', 'groups', 'timestamp', 'nonce', 'signature']
  const top = mapField(value, 'batch', fail)
  if (top.v !== capsuleBatchRequestVersion) fail(`unsupported batch version ${String(top.v)}`)
  const breakGlass = top.responder !== undefined
  const m = mapField(value, 'batch', fail, breakGlass ? [...fields, 'responder', 'responderSignature'] : fields)
  if (Array.isArray(m.groups)) {
    if (m.groups.length > maxBatchGroups) throw new CapsuleRequestError('too-large', `${m.groups.length} groups exceed ${maxBatchGroups}`)
    const count = m.groups.reduce<number>((sum, group) => sum + (Array.isArray((group as { capsules?: unknown })?.capsules) ? (group as { capsules: unknown[] }).capsules.length : 0), 0)
    if (count > maxBatchCapsules) throw new CapsuleRequestError('too-large', `${count} capsules exceed the batch limit of ${maxBatchCapsules}`)
  }
  const groups = listField(m.groups, 'groups', fail, 1, maxBatchGroups).map((entry, g): CapsuleBatchGroup => {
    const group = mapField(entry, `groups[${g}]`, fail, ['scope', 'epoch', 'capsules'])
    return {
      scope: scopeField(group.scope, `groups[${g}].scope`, fail),
      epoch: uintField(group.epoch, `groups[${g}].epoch`, fail, 0xffffffff),
      // A capsule's bytes are checked here only for size: one that is not a capsule fails alone, at the proxy.
      capsules: listField(group.capsules, `groups[${g}].capsules`, fail, 1, maxBatchCapsules).map((c, i) => bytesField(c, `groups[${g}].capsules[${i}]`, fail, 1, maxCapsuleBytes)),
    }
  })
  const request: CapsuleBatchRequest = {
    v: capsuleBatchRequestVersion,
    grantId: BigInt(stringField(m.grantId, 'grantId', fail, 66, /^0x[0-9a-f]{1,64}$/)),
    groups,
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

/** Capsules in a batch, all groups together. */
export function batchCapsuleCount(request: Pick<CapsuleBatchRequest, 'groups'>): number {
  return request.groups.reduce((sum, group) => sum + group.capsules.length, 0)
}

/** True when `signerKey` (33-byte compressed: the grantee's, or an emergency card's) signed exactly this batch. */
export function verifyCapsuleBatchSignature(request: CapsuleBatchRequest, signerKey: Uint8Array): boolean {
  return verifyBytes(signerKey, batchMessage(request), request.signature)
}

/** True when a break-glass batch is signed by its pass's session key. */
export function verifyResponderBatchSignature(request: CapsuleBatchRequest): boolean {
  if (!request.responder || !request.responderSignature) return false
  return verifyBytes(request.responder.sessionKey, batchMessage(request), request.responderSignature)
}

type UnsignedBatch = Omit<CapsuleBatchRequest, 'signature' | 'responderSignature'>

function encodeUnsigned(request: UnsignedBatch): Record<string, unknown> {
  if (typeof request.grantId !== 'bigint' || request.grantId < 0n || request.grantId >= 2n ** 256n) {
    throw new CapsuleRequestError('malformed', 'grantId is not a uint256')
  }
  return {
    v: request.v,
    grantId: `0x${request.grantId.toString(16)}`,
    groups: request.groups.map((group) => ({ scope: group.scope, epoch: group.epoch, capsules: group.capsules })),
    timestamp: request.timestamp,
    nonce: request.nonce,
    ...(request.responder ? { responder: encodeResponderPass(request.responder) } : {}),
  }
}

function batchMessage(request: UnsignedBatch): Uint8Array {
  return domainSeparated(batchDomain, dagCbor.encode(encodeUnsigned(request)))
}
