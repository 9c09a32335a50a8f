import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { maxBlockBytes, type BlockAccess } from '../blocks.ts'
import { isScope, type Scope } from '../scopes.ts'
import { sealSmall, xchachaNonceBytes, xchachaTagBytes } from '../../crypto/xchacha.ts'
import { signBytes, wrapDataKey, type PublicKey, type Signer } from '../../crypto/umbral.ts'
import { canonicalJson } from './canonicalJson.ts'
import { sealAttachment } from './attachmentStream.ts'
import {
  associatedData,
  decodeEnvelope,
  encodeHeader,
  isMediaType,
  isResourceTypeName,
  envelopeSuite,
  envelopeVersion,
  maxEnvelopeBytes,
  type BoundHeaderFields,
  type Envelope,
  type EnvelopeHeader,
} from './envelope.ts'
import { RecordTooLargeError } from './envelopeErrors.ts'

export type RecordResource = { resourceType: string } & Record<string, unknown>

export type AttachmentSource = {
  contentType: string
  /** Exact byte length of `source`; it is signed, so it must be known up front. */
  size: number
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
  /** Plaintext bytes per sealed block; 1 MiB unless a test needs small chunks. */
  chunkSize?: number
}

export type RecordProgress = { done: number; total: number }

export type SealRecordParameters = {
  resource: RecordResource
  attachment?: AttachmentSource
  scope: Scope
  epoch: number
  scopePublicKey: PublicKey | Uint8Array
  author: { signer: Signer; verifyingKey: PublicKey }
  created?: Date | string
  onProgress?: (progress: RecordProgress) => void
}

export type SealRecordReturnType = { cid: CID; envelope: Envelope }

/** Largest canonical JSON body that still fits in one block once sealed. */
export const maxBodyBytes = maxBlockBytes - xchachaNonceBytes - xchachaTagBytes

/**
 * Encrypts a FHIR resource (and optionally a large attachment) under a fresh data key,
 * wraps that key to the scope's Umbral key, signs the envelope and stores every block.
 */
export async function sealRecord(blocks: BlockAccess, parameters: SealRecordParameters): Promise<SealRecordReturnType> {
  const { resource, attachment, scope, epoch, scopePublicKey, author, onProgress } = parameters
  if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') {
    throw new TypeError('resource must be a FHIR resource with a resourceType')
  }
  if (!isResourceTypeName(resource.resourceType)) throw new TypeError(`${resource.resourceType} is not a FHIR resource type name`)
  if (!isScope(scope)) throw new TypeError(`unknown scope ${String(scope)}`)
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > 0xffffffff) throw new TypeError('epoch must be a 32-bit unsigned integer')
  if (attachment && (!Number.isSafeInteger(attachment.size) || attachment.size < 0)) throw new TypeError('attachment size must be a byte count')
  if (attachment && !isMediaType(attachment.contentType)) throw new TypeError(`${attachment.contentType} is not a media type`)
  const body = new TextEncoder().encode(canonicalJson(resource))
  if (body.byteLength > maxBodyBytes) {
    throw new RecordTooLargeError({ details: `resource of ${body.byteLength} bytes exceeds ${maxBodyBytes}` })
  }
  const total = body.byteLength + (attachment?.size ?? 0)

  const dataKey = crypto.getRandomValues(new Uint8Array(32))
  try {
    const { capsule, wrappedKey } = wrapDataKey(scopePublicKey, dataKey)
    const bound: BoundHeaderFields = {
      v: envelopeVersion,
      scope,
      epoch,
      resourceType: resource.resourceType,
      created: toTimestamp(parameters.created ?? new Date()),
      author: author.verifyingKey.toCompressedBytes(),
      capsule,
      wrappedKey,
      suite: envelopeSuite,
      ...(attachment ? { attachment: { contentType: attachment.contentType, size: attachment.size } } : {}),
    }
    const aad = associatedData(bound)
    const bodyCid = await blocks.put(sealSmall(dataKey, body, aad), 'raw')
    onProgress?.({ done: body.byteLength, total })

    const { attachment: _declared, ...fields } = bound
    const header: EnvelopeHeader = { ...fields, body: bodyCid }
    if (attachment) {
      const manifest = await sealAttachment(blocks, {
        dataKey,
        aad,
        source: attachment.source,
        size: attachment.size,
        ...(attachment.chunkSize === undefined ? {} : { chunkSize: attachment.chunkSize }),
        onBytes: (bytes) => onProgress?.({ done: body.byteLength + bytes, total }),
      })
      header.attachment = { manifest, contentType: attachment.contentType, size: attachment.size }
    }
    const envelope: Envelope = { header, sig: signBytes(author.signer, encodeHeader(header)) }
    const bytes = dagCbor.encode(envelope)
    if (bytes.byteLength > maxEnvelopeBytes) throw new RecordTooLargeError({ details: `envelope of ${bytes.byteLength} bytes` })
    decodeEnvelope(bytes) // never store an envelope openRecord would reject
    const cid = await blocks.put(bytes, 'dag-cbor')
    return { cid, envelope }
  } finally {
    dataKey.fill(0)
  }
}

function toTimestamp(created: Date | string): string {
  const date = typeof created === 'string' ? new Date(created) : created
  if (Number.isNaN(date.getTime())) throw new TypeError('created is not a valid date')
  return date.toISOString()
}
