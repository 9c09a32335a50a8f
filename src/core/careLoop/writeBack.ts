import { canonicalJson } from '../envelope/canonicalJson.ts'
import { bytesToHex, hashTypedData, keccak256, recoverTypedDataAddress, type Address, type Hex } from 'viem'
import { Signer, signBytes, verifyBytes, type SecretKey } from '../../crypto/umbral.ts'
import { addressPattern, bytesField, domainSeparated, listField, mapField, scopeField, stringField, uintField, type Fail } from '../consent/untrustedFields.ts'
import { FhirValidationError } from '../fhir/fhirErrors.ts'
import type { FhirResource } from '../fhir/fhirTypes.ts'
import { validateDoctorResource } from '../fhir/doctorForms.ts'
import { scopeOfResource } from '../fhir/scopeOfResource.ts'
import { scopes as allScopes, type Scope } from '../scopes.ts'
import { MalformedWriteBackError, WriteBackRefusedError } from './careLoopErrors.ts'
import { openMessage, sealMessage } from './sealedMessage.ts'
import * as dagCbor from '@ipld/dag-cbor'

/**
 * A doctor's write-back (issue 10, "Doctor, writing back"): a FHIR resource from the
 * doctor's forms, signed with EIP-712 by the doctor's account over (resource hash, grant
 * id, scope, signedAt, and replaces/withdraws) in a domain naming the chain and the Consent
 * contract, and sealed to the scope's current-epoch delegating public key from the grant's
 * bundle: only the patient, who holds that scope's secret key, opens it. The doctor never
 * learns who the patient is; a care node keeping it learns its size.
 */
export const writeBackVersion = 1
/** A sealed write-back: the largest report (750 KiB file, 1 MiB base64) with room; fits one mailbox entry. */
export const maxWriteBackBytes = 1_280 * 1024
/** An answer (delivered / accepted / declined) is small. */
export const maxAnswerBytes = 16 * 1024
export const maxAnswerReasonLength = 500
const writeBackDomain = 'salus.write-back.v1'
const answerDomain = 'salus.write-back-answer.v1'
const answerSignatureDomain = 'salus.write-back-answer-signature.v1'
const itemIdPattern = /^0x[0-9a-f]{64}$/

/** What the doctor signs besides the resource. */
export type WriteBackTerms = {
  grantId: bigint
  scope: Scope
  /** Unix seconds. */
  signedAt: number
  chainId: number
  /** The Consent contract the grant lives in (the EIP-712 verifying contract). */
  consent: Address
  /** Id of an earlier item this one amends. */
  replaces?: string
  /** Id of an earlier item this one withdraws. */
  withdraws?: string
}

/** An item as the patient's inbox holds it (interfaces13.md). */
export type InboxItem = {
  /** The EIP-712 digest of the signed terms (0x + 64 hex): the same item has the same id wherever it came from. */
  id: string
  grantId: bigint
  scope: Scope
  from: Address
  resource: FhirResource
  signature: Hex
  signedAt: number
  receivedAt: number
  replaces?: string
  withdraws?: string
}

/** A write-back the patient opened and whose signature holds; its grant and author are not yet checked (checkWriteBackGrant). */
export type OpenedWriteBack = Omit<InboxItem, 'receivedAt'> & { epoch: number; chainId: number; consent: Address; resourceHash: Hex }

const writeBackTypes = {
  WriteBack: [
    { name: 'resourceHash', type: 'bytes32' },
    { name: 'grantId', type: 'uint256' },
    { name: 'scope', type: 'string' },
    { name: 'signedAt', type: 'uint64' },
    { name: 'replaces', type: 'string' },
    { name: 'withdraws', type: 'string' },
  ],
} as const

/**
 * The resource's bytes as signed and sealed: its canonical JSON (src/core/envelope/canonicalJson.ts), UTF-8,
 * so the patient's vault, which stores records canonically, can check the signature again later.
 */
export function writeBackResourceBytes(resource: FhirResource): Uint8Array {
  return new TextEncoder().encode(canonicalJson(resource))
}

/** The EIP-712 typed data the doctor's wallet signs for one item (viem signTypedData). */
export function writeBackTypedData(resourceHash: Hex, terms: WriteBackTerms) {
  return {
    domain: { name: 'Salus write-back', version: '1', chainId: terms.chainId, verifyingContract: terms.consent },
    types: writeBackTypes,
    primaryType: 'WriteBack' as const,
    message: {
      resourceHash,
      grantId: terms.grantId,
      scope: terms.scope,
      signedAt: BigInt(terms.signedAt),
      replaces: terms.replaces ?? '',
      withdraws: terms.withdraws ?? '',
    },
  }
}

export type PreparedWriteBack = {
  resource: FhirResource
  resourceBytes: Uint8Array
  resourceHash: Hex
  terms: WriteBackTerms
  /** Sign this with the doctor's account. */
  typedData: ReturnType<typeof writeBackTypedData>
  /** The item's id (the typed data's digest). */
  id: string
}

/**
 * Checks the doctor's own item before signing (the patient checks the same): a doctor's
 * resource type, valid R4, authored by `author`, in the scope its type belongs to.
 */
export function prepareWriteBack(resource: FhirResource, author: Address, terms: WriteBackTerms): PreparedWriteBack {
  const checked = validateDoctorResource(resource, author)
  if (scopeOfResource(checked) !== terms.scope) {
    throw new FhirValidationError(checked.resourceType, `belongs to scope ${scopeOfResource(checked)}, not ${terms.scope}`)
  }
  checkTerms(terms, (details) => {
    throw new MalformedWriteBackError(details)
  })
  const resourceBytes = writeBackResourceBytes(checked)
  const resourceHash = keccak256(resourceBytes)
  const typedData = writeBackTypedData(resourceHash, terms)
  return { resource: checked, resourceBytes, resourceHash, terms, typedData, id: hashTypedData(typedData) }
}

export type SealWriteBackParameters = {
  prepared: PreparedWriteBack
  author: Address
  /** The doctor's EIP-712 signature over prepared.typedData. */
  signature: Hex
  /** The scope's delegating public key in its current epoch, from the grant's bundle. */
  delegatingKey: Uint8Array
  epoch: number
}

/** The sealed item (≤ maxWriteBackBytes), for /salus/deliver or the patient's mailbox. */
export function sealWriteBack({ prepared, author, signature, delegatingKey, epoch }: SealWriteBackParameters): Uint8Array {
  const { terms } = prepared
  const body: Record<string, unknown> = {
    v: writeBackVersion,
    kind: 'write-back',
    resource: prepared.resourceBytes,
    author: author.toLowerCase(),
    signature: hexBytes(signature),
    grantId: terms.grantId.toString(),
    scope: terms.scope,
    epoch,
    signedAt: terms.signedAt,
    chainId: terms.chainId,
    consent: terms.consent.toLowerCase(),
    ...(terms.replaces ? { replaces: terms.replaces } : {}),
    ...(terms.withdraws ? { withdraws: terms.withdraws } : {}),
  }
  const sealed = sealMessage(delegatingKey, writeBackDomain, body)
  if (sealed.byteLength > maxWriteBackBytes) {
    throw new MalformedWriteBackError(`the sealed item is ${sealed.byteLength} bytes; at most ${maxWriteBackBytes} travel`)
  }
  return sealed
}

/** A scope key the patient tries a sealed item with. */
export type ScopeKeyCandidate = { scope: Scope; epoch: number; secretKey: SecretKey }

/**
 * The patient's open: strict decoding and size limits, the scope key that opens it (its
 * scope and epoch must be the ones the item names), the deployment, the FHIR resource (a
 * doctor's type, valid, in that scope, authored by the signer) and the EIP-712 signature.
 * Throws MalformedWriteBackError (damaged, not for these keys) or WriteBackRefusedError.
 */
export async function openWriteBack(
  bytes: Uint8Array,
  { candidates, chainId, consent }: { candidates: readonly ScopeKeyCandidate[]; chainId: number; consent: Address },
): Promise<OpenedWriteBack> {
  let opened: { body: Record<string, unknown>; key: ScopeKeyCandidate } | undefined
  for (const key of candidates) {
    const body = openMessage(bytes, key.secretKey, writeBackDomain, maxWriteBackBytes)
    if (body) {
      opened = { body, key }
      break
    }
  }
  if (!opened) throw new MalformedWriteBackError('no key of the granted scopes opens this item')
  const fail: Fail = (details) => {
    throw new MalformedWriteBackError(details)
  }
  const m = mapField(opened.body, 'write-back', fail, ['v', 'kind', 'resource', 'author', 'signature', 'grantId', 'scope', 'epoch', 'signedAt', 'chainId', 'consent', 'replaces', 'withdraws'])
  if (m.v !== writeBackVersion || m.kind !== 'write-back') fail('not a version 1 write-back')
  const scope = scopeField(m.scope, 'scope', fail)
  const epoch = uintField(m.epoch, 'epoch', fail, 0xffffffff)
  if (scope !== opened.key.scope || epoch !== opened.key.epoch) fail(`sealed to ${opened.key.scope}/${opened.key.epoch} but names ${scope}/${epoch}`)
  const author = stringField(m.author, 'author', fail, 42, /^0x[0-9a-f]{40}$/) as Address
  const terms: WriteBackTerms = {
    grantId: grantIdField(m.grantId, fail),
    scope,
    signedAt: uintField(m.signedAt, 'signedAt', fail, 2 ** 40),
    chainId: uintField(m.chainId, 'chainId', fail, Number.MAX_SAFE_INTEGER, 1),
    consent: stringField(m.consent, 'consent', fail, 42, /^0x[0-9a-f]{40}$/) as Address,
    ...(m.replaces === undefined ? {} : { replaces: stringField(m.replaces, 'replaces', fail, 66, itemIdPattern) }),
    ...(m.withdraws === undefined ? {} : { withdraws: stringField(m.withdraws, 'withdraws', fail, 66, itemIdPattern) }),
  }
  if (terms.chainId !== chainId || terms.consent !== consent.toLowerCase()) {
    throw new WriteBackRefusedError('wrong-deployment', `item for chain ${terms.chainId} / ${terms.consent}`)
  }
  const resourceBytes = bytesField(m.resource, 'resource', fail, 2, maxWriteBackBytes)
  const signature = bytesToHex(bytesField(m.signature, 'signature', fail, 65))
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(resourceBytes))
  } catch (cause) {
    throw new MalformedWriteBackError('the resource is not JSON', { cause })
  }
  let resource: FhirResource
  try {
    resource = validateDoctorResource(json, author)
  } catch (cause) {
    throw new MalformedWriteBackError(cause instanceof FhirValidationError ? cause.shortMessage : 'the resource is not valid FHIR', { cause })
  }
  if (scopeOfResource(resource) !== scope) throw new MalformedWriteBackError(`a ${resource.resourceType} does not belong to scope ${scope}`)
  const resourceHash = keccak256(resourceBytes)
  const typedData = writeBackTypedData(resourceHash, terms)
  let signer: Address
  try {
    signer = await recoverTypedDataAddress({ ...typedData, signature })
  } catch (cause) {
    throw new WriteBackRefusedError('bad-signature', 'the signature does not recover', { cause })
  }
  if (signer.toLowerCase() !== author) throw new WriteBackRefusedError('bad-signature', `signed by ${signer}, names ${author}`)
  return {
    id: hashTypedData(typedData),
    grantId: terms.grantId,
    scope,
    epoch,
    from: author,
    resource,
    signature,
    signedAt: terms.signedAt,
    chainId: terms.chainId,
    consent: terms.consent,
    resourceHash,
    ...(terms.replaces ? { replaces: terms.replaces } : {}),
    ...(terms.withdraws ? { withdraws: terms.withdraws } : {}),
  }
}

/** The grant as the chain holds it now (chain/consent/readGrant), and whether the author is a certified doctor now. */
export type WriteBackGrantState = { grantee: Address; scopesMask: number; revoked: boolean; expiry: number }

/**
 * The checks against the chain, on values the caller read: the author is the grant's
 * grantee, holds DOCTOR, the grant is not revoked nor expired, and covers the scope.
 * Throws WriteBackRefusedError naming the first that fails.
 */
export function checkWriteBackGrant(item: Pick<OpenedWriteBack, 'from' | 'scope' | 'grantId'>, grant: WriteBackGrantState | undefined, { isDoctor, now }: { isDoctor: boolean; now: number }): void {
  if (!grant) throw new WriteBackRefusedError('unknown-grant', `grant ${item.grantId} is not one of the patient's`)
  if (grant.grantee.toLowerCase() !== item.from.toLowerCase()) throw new WriteBackRefusedError('not-grantee', `grant ${item.grantId} is to ${grant.grantee}, not ${item.from}`)
  if (grant.revoked) throw new WriteBackRefusedError('revoked', `grant ${item.grantId} is revoked`)
  if (grant.expiry <= now) throw new WriteBackRefusedError('expired', `grant ${item.grantId} expired at ${grant.expiry}`)
  if ((grant.scopesMask & (1 << allScopes.indexOf(item.scope))) === 0) throw new WriteBackRefusedError('scope-not-granted', `grant ${item.grantId} does not cover ${item.scope}`)
  if (!isDoctor) throw new WriteBackRefusedError('not-doctor', `${item.from} does not hold DOCTOR`)
}

/** An opened item as the inbox keeps it. */
export function toInboxItem(item: OpenedWriteBack, receivedAt: number): InboxItem {
  return {
    id: item.id,
    grantId: item.grantId,
    scope: item.scope,
    from: item.from,
    resource: item.resource,
    signature: item.signature,
    signedAt: item.signedAt,
    receivedAt,
    ...(item.replaces ? { replaces: item.replaces } : {}),
    ...(item.withdraws ? { withdraws: item.withdraws } : {}),
  }
}

// ---- Answers back to the doctor ----

export type WriteBackStatus = 'delivered' | 'accepted' | 'declined'
export type WriteBackAnswerStatus = { itemId: string; status: WriteBackStatus; reason?: string }

/** What the patient tells the doctor about items of one grant, signed by the patient's mailbox key for that grant. */
export type WriteBackAnswer = {
  grantId: bigint
  statuses: WriteBackAnswerStatus[]
  /** Unix seconds. */
  at: number
  /** The patient's mailbox address for the grant (the bundle's contact carries the same). */
  from: Uint8Array
}

const maxAnswerStatuses = 200

function answerBody(answer: WriteBackAnswer): Record<string, unknown> {
  return {
    v: 1,
    kind: 'answer',
    grantId: answer.grantId.toString(),
    statuses: answer.statuses.map((s) => ({ itemId: s.itemId, status: s.status, ...(s.reason ? { reason: s.reason } : {}) })),
    at: answer.at,
    from: answer.from,
  }
}

/** Seals an answer to the doctor's receiving key, signed by the patient's mailbox key of the grant. */
export function sealWriteBackAnswer(answer: Omit<WriteBackAnswer, 'from'>, { doctorKey, mailboxKey }: { doctorKey: Uint8Array; mailboxKey: SecretKey }): Uint8Array {
  const publicKey = mailboxKey.publicKey()
  const from = publicKey.toCompressedBytes()
  publicKey.free()
  const full: WriteBackAnswer = { ...answer, from }
  checkAnswer(full, (details) => {
    throw new MalformedWriteBackError(details)
  })
  const body = answerBody(full)
  const signer = new Signer(mailboxKey)
  try {
    const sealed = sealMessage(doctorKey, answerDomain, { ...body, sig: signBytes(signer, domainSeparated(answerSignatureDomain, dagCbor.encode(body))) })
    if (sealed.byteLength > maxAnswerBytes) throw new MalformedWriteBackError(`an answer of ${sealed.byteLength} bytes exceeds ${maxAnswerBytes}`)
    return sealed
  } finally {
    signer.free()
  }
}

/**
 * The doctor's open of an answer with their receiving key: strict decoding and the
 * signature by the mailbox key it names (the caller compares that key with the grant's
 * contact). Undefined when it is not an answer sealed to this key.
 */
export function openWriteBackAnswer(bytes: Uint8Array, receivingKey: SecretKey): WriteBackAnswer | undefined {
  const body = openMessage(bytes, receivingKey, answerDomain, maxAnswerBytes)
  if (!body) return undefined
  const fail: Fail = (details) => {
    throw new MalformedWriteBackError(details)
  }
  const m = mapField(body, 'answer', fail, ['v', 'kind', 'grantId', 'statuses', 'at', 'from', 'sig'])
  if (m.v !== 1 || m.kind !== 'answer') fail('not a version 1 answer')
  const answer: WriteBackAnswer = {
    grantId: grantIdField(m.grantId, fail),
    statuses: listField(m.statuses, 'statuses', fail, 1, maxAnswerStatuses).map((item, i) => {
      const s = mapField(item, `statuses[${i}]`, fail, ['itemId', 'status', 'reason'])
      const status = s.status === 'delivered' || s.status === 'accepted' || s.status === 'declined' ? s.status : fail(`statuses[${i}].status is not a status`)
      return {
        itemId: stringField(s.itemId, `statuses[${i}].itemId`, fail, 66, itemIdPattern),
        status,
        ...(s.reason === undefined ? {} : { reason: stringField(s.reason, `statuses[${i}].reason`, fail, maxAnswerReasonLength) }),
      }
    }),
    at: uintField(m.at, 'at', fail, 2 ** 40),
    from: bytesField(m.from, 'from', fail, 33),
  }
  const sig = bytesField(m.sig, 'sig', fail, 64)
  if (!verifyBytes(answer.from, domainSeparated(answerSignatureDomain, dagCbor.encode(answerBody(answer))), sig)) {
    throw new MalformedWriteBackError('the answer’s signature does not verify')
  }
  return answer
}

function checkAnswer(answer: WriteBackAnswer, fail: Fail): void {
  listField(answer.statuses, 'statuses', fail, 1, maxAnswerStatuses)
  for (const s of answer.statuses) {
    stringField(s.itemId, 'itemId', fail, 66, itemIdPattern)
    if (!['delivered', 'accepted', 'declined'].includes(s.status)) fail('status is not a status')
    if (s.reason !== undefined) stringField(s.reason, 'reason', fail, maxAnswerReasonLength)
  }
}

function checkTerms(terms: WriteBackTerms, fail: Fail): void {
  if (typeof terms.grantId !== 'bigint' || terms.grantId < 1n || terms.grantId >= 2n ** 256n) fail('grantId is not a grant id')
  scopeField(terms.scope, 'scope', fail)
  uintField(terms.signedAt, 'signedAt', fail, 2 ** 40)
  uintField(terms.chainId, 'chainId', fail, Number.MAX_SAFE_INTEGER, 1)
  stringField(terms.consent, 'consent', fail, 42, addressPattern)
  if (terms.replaces !== undefined) stringField(terms.replaces, 'replaces', fail, 66, itemIdPattern)
  if (terms.withdraws !== undefined) stringField(terms.withdraws, 'withdraws', fail, 66, itemIdPattern)
}

function grantIdField(value: unknown, fail: Fail): bigint {
  const text = stringField(value, 'grantId', fail, 78, /^[1-9][0-9]*$/)
  const id = BigInt(text)
  if (id >= 2n ** 256n) fail('grantId is out of range')
  return id
}

function hexBytes(hex: Hex): Uint8Array {
  if (!/^0x[0-9a-fA-F]{130}$/.test(hex)) throw new MalformedWriteBackError('the signature is not 65 bytes of hex')
  return Uint8Array.from({ length: 65 }, (_, i) => parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16))
}
