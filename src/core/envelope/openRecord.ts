import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import type { BlockAccess } from '../blocks.ts'
import { SalusError } from '../../errors/salusError.ts'
import type { Scope } from '../scopes.ts'
import { openSmall } from '../../crypto/xchacha.ts'
import { KeyUnwrapError, verifyBytes, type PublicKey } from '../../crypto/umbral.ts'
import { loadAttachmentManifest, readAttachment } from './attachmentStream.ts'
import { associatedData, decodeEnvelope, encodeHeader, type Envelope } from './envelope.ts'
import { MalformedEnvelopeError, RecordTamperedError, ScopeMismatchError, WrongScopeKeyError } from './envelopeErrors.ts'
import type { RecordProgress, RecordResource } from './sealRecord.ts'

export type OpenRecordParameters = {
  cid: CID
  /** The patient passes Umbral `decryptOriginal`; a grantee passes re-encrypted fragments. */
  unwrapKey: (capsule: Uint8Array, wrappedKey: Uint8Array) => Uint8Array | Promise<Uint8Array>
  expectedScope?: Scope
  /** When given, the envelope must be signed by this key (compressed bytes or PublicKey). */
  authorKey?: PublicKey | Uint8Array
  onProgress?: (progress: RecordProgress) => void
}

export type OpenedAttachment = {
  contentType: string
  size: number
  /** Streams and verifies the plaintext; each call reads the blocks again. */
  read(): AsyncIterable<Uint8Array>
}

export type OpenRecordReturnType = { envelope: Envelope; resource: RecordResource; attachment?: OpenedAttachment }

/**
 * Opens a record in the order that keeps untrusted bytes away from cryptography:
 * shape and size, author signature, scope, then key unwrap, then decryption.
 */
export async function openRecord(blocks: BlockAccess, parameters: OpenRecordParameters): Promise<OpenRecordReturnType> {
  const { cid, unwrapKey, expectedScope, authorKey, onProgress } = parameters
  if (cid.code !== dagCbor.code) throw new MalformedEnvelopeError({ details: `${cid.toString()} is not a dag-cbor CID` })
  const envelope = decodeEnvelope(await blocks.get(cid))
  const { header } = envelope
  if (!verifyBytes(header.author, encodeHeader(header), envelope.sig)) {
    throw new RecordTamperedError({ details: 'envelope signature does not match its header' })
  }
  if (authorKey !== undefined) {
    const expected = authorKey instanceof Uint8Array ? authorKey : authorKey.toCompressedBytes()
    if (!sameBytes(expected, header.author)) throw new RecordTamperedError({ details: 'envelope is signed by a different author' })
  }
  if (expectedScope !== undefined && header.scope !== expectedScope) {
    throw new ScopeMismatchError({ expected: expectedScope, actual: header.scope })
  }

  // The body's ciphertext travels while the key is unwrapped (for a grantee, a round
  // trip to the proxies): fetching is not decrypting, and a failed unwrap just drops it.
  const sealedBodyFetch = blocks.get(header.body)
  sealedBodyFetch.catch(() => {})

  let dataKey: Uint8Array
  try {
    dataKey = await unwrapKey(header.capsule, header.wrappedKey)
  } catch (cause) {
    // Proxy or network failures keep their own meaning; anything cryptographic means the wrong key.
    if (cause instanceof SalusError && !(cause instanceof KeyUnwrapError)) throw cause
    throw new WrongScopeKeyError({ cause })
  }
  if (!(dataKey instanceof Uint8Array) || dataKey.byteLength !== 32) {
    throw new WrongScopeKeyError({ details: 'unwrapped data key is not 32 bytes' })
  }

  const aad = associatedData(header)
  const sealedBody = await sealedBodyFetch
  let resource: RecordResource
  try {
    const body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(openSmall(dataKey, sealedBody, aad))) as unknown
    if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== header.resourceType) {
      throw new RecordTamperedError({ details: 'decrypted body does not match the header resourceType' })
    }
    resource = body as RecordResource
  } catch (cause) {
    if (cause instanceof RecordTamperedError) throw cause
    throw new RecordTamperedError({ details: 'record body failed authentication', cause })
  }
  const attachmentSize = header.attachment?.size ?? 0
  const total = sealedBody.byteLength + attachmentSize
  onProgress?.({ done: sealedBody.byteLength, total })

  if (!header.attachment) return { envelope, resource }
  const { contentType, size } = header.attachment
  const manifest = await loadAttachmentManifest(blocks, header.attachment.manifest, size)
  const attachment: OpenedAttachment = {
    contentType,
    size,
    read: () =>
      readAttachment(blocks, {
        manifest,
        dataKey,
        aad,
        onBytes: (bytes) => onProgress?.({ done: sealedBody.byteLength + bytes, total }),
      }),
  }
  return { envelope, resource, attachment }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}
