import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { isScope, type Scope } from '../scopes.ts'
import { maxCapsuleBytes, maxWrappedKeyBytes } from '../../crypto/umbral.ts'
import { MalformedEnvelopeError } from './envelopeErrors.ts'

/**
 * A record's envelope: one dag-cbor block `{ header, sig }`, signed by the author's
 * Umbral signer over dag-cbor(header). The ciphertexts cannot contain their own CIDs,
 * so their associated data is the header without `body` and `attachment.manifest`;
 * those two CIDs are covered by the signature instead.
 */
export const envelopeVersion = 1
export const envelopeSuite = 'xchacha20poly1305+aes256gcm-stream'
export const maxEnvelopeBytes = 64 * 1024
const signatureBytes = 64
const compressedKeyBytes = 33
const maxResourceTypeLength = 64
const maxCreatedLength = 40
const maxContentTypeLength = 255

export type AttachmentRef = { manifest: CID; contentType: string; size: number }

export type EnvelopeHeader = {
  v: typeof envelopeVersion
  scope: Scope
  epoch: number
  resourceType: string
  /** ISO 8601 timestamp given by the author's device. */
  created: string
  /** Author's Umbral verifying key, 33-byte compressed secp256k1. */
  author: Uint8Array
  capsule: Uint8Array
  wrappedKey: Uint8Array
  body: CID
  attachment?: AttachmentRef
  suite: typeof envelopeSuite
}

export type Envelope = { header: EnvelopeHeader; sig: Uint8Array }

const headerKeys = new Set(['v', 'scope', 'epoch', 'resourceType', 'created', 'author', 'capsule', 'wrappedKey', 'body', 'attachment', 'suite'])

export function encodeHeader(header: EnvelopeHeader): Uint8Array {
  return dagCbor.encode(header)
}

/** The header fields known before encryption; `EnvelopeHeader` is assignable to it. */
export type BoundHeaderFields = Omit<EnvelopeHeader, 'body' | 'attachment'> & {
  attachment?: { contentType: string; size: number }
}

/** Associated data binding body and attachment ciphertexts to every other header field. */
export function associatedData(header: BoundHeaderFields): Uint8Array {
  const { v, scope, epoch, resourceType, created, author, capsule, wrappedKey, suite, attachment } = header
  const bound: Record<string, unknown> = { v, scope, epoch, resourceType, created, author, capsule, wrappedKey, suite }
  if (attachment) bound.attachment = { contentType: attachment.contentType, size: attachment.size }
  return dagCbor.encode(bound)
}

/** Decodes and checks the shape, types and sizes of an envelope; does not check its signature. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (!(bytes instanceof Uint8Array)) throw new MalformedEnvelopeError({ details: 'envelope is not bytes' })
  if (bytes.byteLength > maxEnvelopeBytes) {
    throw new MalformedEnvelopeError({ details: `envelope of ${bytes.byteLength} bytes exceeds ${maxEnvelopeBytes}` })
  }
  let decoded: unknown
  try {
    decoded = dagCbor.decode(bytes)
  } catch (cause) {
    throw new MalformedEnvelopeError({ details: 'envelope is not valid dag-cbor', cause })
  }
  const top = record(decoded, 'envelope')
  exactKeys(top, new Set(['header', 'sig']), 'envelope')
  const sig = byteField(top.sig, 'sig', signatureBytes, signatureBytes)
  const h = record(top.header, 'header')
  exactKeys(h, headerKeys, 'header')
  if (h.v !== envelopeVersion) fail(`unsupported envelope version ${String(h.v)}`)
  if (h.suite !== envelopeSuite) fail(`unsupported cipher suite ${String(h.suite)}`)
  if (!isScope(h.scope)) fail(`unknown scope ${String(h.scope)}`)
  if (!Number.isSafeInteger(h.epoch) || (h.epoch as number) < 0 || (h.epoch as number) > 0xffffffff) fail('epoch is not a 32-bit unsigned integer')
  const resourceType = stringField(h.resourceType, 'resourceType', maxResourceTypeLength)
  if (!isResourceTypeName(resourceType)) fail('resourceType is not a FHIR resource type name')
  const created = stringField(h.created, 'created', maxCreatedLength)
  if (Number.isNaN(Date.parse(created))) fail('created is not a timestamp')
  const header: EnvelopeHeader = {
    v: envelopeVersion,
    scope: h.scope as Scope,
    epoch: h.epoch as number,
    resourceType,
    created,
    author: byteField(h.author, 'author', compressedKeyBytes, compressedKeyBytes),
    capsule: byteField(h.capsule, 'capsule', 1, maxCapsuleBytes),
    wrappedKey: byteField(h.wrappedKey, 'wrappedKey', 1, maxWrappedKeyBytes),
    body: cidField(h.body, 'body', raw.code),
    suite: envelopeSuite,
  }
  if (h.attachment !== undefined) {
    const a = record(h.attachment, 'attachment')
    exactKeys(a, new Set(['manifest', 'contentType', 'size']), 'attachment')
    const contentType = stringField(a.contentType, 'attachment.contentType', maxContentTypeLength)
    if (!isMediaType(contentType)) fail('attachment.contentType is not a media type')
    if (!Number.isSafeInteger(a.size) || (a.size as number) < 0) fail('attachment.size is not a byte count')
    header.attachment = { manifest: cidField(a.manifest, 'attachment.manifest', dagCbor.code), contentType, size: a.size as number }
  }
  return { header, sig }
}

export function isResourceTypeName(value: string): boolean {
  return value.length <= maxResourceTypeLength && /^[A-Z][A-Za-z]*$/.test(value)
}

export function isMediaType(value: string): boolean {
  return value.length <= maxContentTypeLength && /^[\w.+-]+\/[\w.+-]+(;.*)?$/.test(value)
}

function fail(details: string): never {
  throw new MalformedEnvelopeError({ details })
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array || CID.asCID(value)) {
    fail(`${what} is not a map`)
  }
  return value as Record<string, unknown>
}

function exactKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, what: string): void {
  for (const key of Object.keys(value)) if (!allowed.has(key)) fail(`${what} has unexpected field ${key}`)
}

function stringField(value: unknown, what: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) fail(`${what} is not a string of 1..${maxLength} characters`)
  return value
}

function byteField(value: unknown, what: string, min: number, max: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.byteLength < min || value.byteLength > max) fail(`${what} is not ${min}..${max} bytes`)
  return value
}

function cidField(value: unknown, what: string, codec: number): CID {
  const cid = CID.asCID(value)
  if (!cid || cid.version !== 1 || cid.code !== codec) fail(`${what} is not a CIDv1 with codec 0x${codec.toString(16)}`)
  return cid
}
