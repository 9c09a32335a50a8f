import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { maxBlockBytes, type BlockAccess } from '../blocks.ts'
import { SalusError } from '../../errors/salusError.ts'
import type { Scope } from '../scopes.ts'
import { openSmall, sealSmall } from '../../crypto/xchacha.ts'
import { KeyUnwrapError, maxCapsuleBytes, maxWrappedKeyBytes, signBytes, verifyBytes, wrapDataKey, type PublicKey, type Signer } from '../../crypto/umbral.ts'
import { ManifestTamperedError } from './consentErrors.ts'
import {
  bytesField,
  cidField,
  compressedKeyBytes,
  domainSeparated,
  listField,
  mapField,
  sameBytes,
  scopeField,
  signatureBytes,
  stringField,
  uintField,
  type Fail,
} from './untrustedFields.ts'

/**
 * What a grantee can see: per scope, the patient's numbered list of envelope CIDs.
 * The manifest block is encrypted like a record of its scope (data key wrapped with
 * Umbral to the scope key), so grantees open it through the proxies. Its small head
 * { scope, epoch, seq, manifest CID, author } is signed by the patient's record
 * signer; care nodes keep the newest head per (author, scope).
 */
export const manifestVersion = 1
export const maxManifestEntries = 20_000
const headDomain = 'salus.manifest-head.v1'
const maxCreatedLength = 40

export type ManifestBody = { v: typeof manifestVersion; scope: Scope; epoch: number; seq: number; entries: CID[]; created: string }
export type ManifestHead = { v: typeof manifestVersion; scope: Scope; epoch: number; seq: number; manifest: CID; author: Uint8Array }
export type SignedHead = { head: ManifestHead; sig: Uint8Array }
type ManifestBlock = { v: typeof manifestVersion; scope: Scope; epoch: number; capsule: Uint8Array; wrappedKey: Uint8Array; body: Uint8Array }

export type BuildManifestParameters = {
  scope: Scope
  epoch: number
  /** Strictly greater than every head published before for this scope. */
  seq: number
  entries: CID[]
  scopePublicKey: PublicKey | Uint8Array
  author: { signer: Signer; verifyingKey: PublicKey }
  created?: Date
}

export type BuildManifestReturnType = { cid: CID; head: SignedHead; body: ManifestBody }

export async function buildManifest(blocks: BlockAccess, parameters: BuildManifestParameters): Promise<BuildManifestReturnType> {
  const { scope, epoch, seq, entries, scopePublicKey, author } = parameters
  const fail: Fail = (details) => {
    throw new TypeError(details)
  }
  scopeField(scope, 'scope', fail)
  uintField(epoch, 'epoch', fail, 0xffffffff)
  uintField(seq, 'seq', fail)
  listField(entries, 'entries', fail, 0, maxManifestEntries)
  entries.forEach((cid, i) => cidField(cid, `entries[${i}]`, fail, dagCbor.code))
  const body: ManifestBody = { v: manifestVersion, scope, epoch, seq, entries, created: (parameters.created ?? new Date()).toISOString() }
  const dataKey = crypto.getRandomValues(new Uint8Array(32))
  try {
    const { capsule, wrappedKey } = wrapDataKey(scopePublicKey, dataKey)
    const sealed = sealSmall(dataKey, dagCbor.encode(body), manifestAad({ scope, epoch, capsule, wrappedKey }))
    const block: ManifestBlock = { v: manifestVersion, scope, epoch, capsule, wrappedKey, body: sealed }
    const bytes = dagCbor.encode(block)
    if (bytes.byteLength > maxBlockBytes) fail(`manifest of ${bytes.byteLength} bytes exceeds one block`)
    const cid = await blocks.put(bytes, 'dag-cbor')
    const head: ManifestHead = { v: manifestVersion, scope, epoch, seq, manifest: cid, author: author.verifyingKey.toCompressedBytes() }
    return { cid, head: { head, sig: signBytes(author.signer, headMessage(head)) }, body }
  } finally {
    dataKey.fill(0)
  }
}

/**
 * Decodes a signed head from untrusted input and checks its signature; with
 * `author`/`scope`, also that it is the head the caller asked for.
 */
export function verifyHead(value: unknown, expected: { author?: Uint8Array; scope?: Scope } = {}): SignedHead {
  const fail: Fail = (details) => {
    throw new ManifestTamperedError(details)
  }
  const { head, sig } = decodeSignedHead(value)
  if (!verifyBytes(head.author, headMessage(head), sig)) fail('head signature does not verify')
  if (expected.author && !sameBytes(expected.author, head.author)) fail('head is signed by another author')
  if (expected.scope && expected.scope !== head.scope) fail(`head is for ${head.scope}, not ${expected.scope}`)
  return { head, sig }
}

/** Shape, types and sizes of a signed head; does not check the signature (`verifyHead` does). */
export function decodeSignedHead(value: unknown): SignedHead {
  const fail: Fail = (details) => {
    throw new ManifestTamperedError(details)
  }
  const signed = mapField(value, 'signed head', fail, ['head', 'sig'])
  const h = mapField(signed.head, 'head', fail, ['v', 'scope', 'epoch', 'seq', 'manifest', 'author'])
  if (h.v !== manifestVersion) fail(`unsupported head version ${String(h.v)}`)
  const head: ManifestHead = {
    v: manifestVersion,
    scope: scopeField(h.scope, 'head.scope', fail),
    epoch: uintField(h.epoch, 'head.epoch', fail, 0xffffffff),
    seq: uintField(h.seq, 'head.seq', fail),
    manifest: cidField(h.manifest, 'head.manifest', fail, dagCbor.code),
    author: bytesField(h.author, 'head.author', fail, compressedKeyBytes),
  }
  return { head, sig: bytesField(signed.sig, 'head.sig', fail, signatureBytes) }
}

export type OpenManifestParameters = {
  /** A head that went through `verifyHead`. */
  head: SignedHead
  /** Same contract as `openRecord`'s: the patient's own key or re-encrypted fragments. */
  unwrapKey: (capsule: Uint8Array, wrappedKey: Uint8Array) => Uint8Array | Promise<Uint8Array>
}

/** Fetches the manifest the head names, unwraps its key and checks the body matches the signed head. */
export async function openManifest(blocks: BlockAccess, { head: { head }, unwrapKey }: OpenManifestParameters): Promise<ManifestBody> {
  const fail: Fail = (details) => {
    throw new ManifestTamperedError(details)
  }
  const bytes = await blocks.get(head.manifest)
  let decoded: unknown
  try {
    decoded = dagCbor.decode(bytes)
  } catch (cause) {
    throw new ManifestTamperedError('manifest is not dag-cbor', { cause })
  }
  const m = mapField(decoded, 'manifest', fail, ['v', 'scope', 'epoch', 'capsule', 'wrappedKey', 'body'])
  if (m.v !== manifestVersion || m.scope !== head.scope || m.epoch !== head.epoch) fail('manifest does not match its head')
  const capsule = bytesField(m.capsule, 'manifest.capsule', fail, 1, maxCapsuleBytes)
  const wrappedKey = bytesField(m.wrappedKey, 'manifest.wrappedKey', fail, 1, maxWrappedKeyBytes)
  const sealed = bytesField(m.body, 'manifest.body', fail, 1, maxBlockBytes)
  let dataKey: Uint8Array
  try {
    dataKey = await unwrapKey(capsule, wrappedKey)
  } catch (cause) {
    if (cause instanceof SalusError && !(cause instanceof KeyUnwrapError)) throw cause
    throw new ManifestTamperedError('the manifest key did not unwrap', { cause })
  }
  let body: Record<string, unknown>
  try {
    body = mapField(dagCbor.decode(openSmall(dataKey, sealed, manifestAad({ scope: head.scope, epoch: head.epoch, capsule, wrappedKey }))), 'manifest body', fail)
  } catch (cause) {
    if (cause instanceof ManifestTamperedError) throw cause
    throw new ManifestTamperedError('manifest body failed authentication', { cause })
  } finally {
    dataKey.fill(0)
  }
  mapField(body, 'manifest body', fail, ['v', 'scope', 'epoch', 'seq', 'entries', 'created'])
  if (body.v !== manifestVersion || body.scope !== head.scope || body.epoch !== head.epoch || body.seq !== head.seq) {
    fail('manifest body does not match its signed head')
  }
  const created = stringField(body.created, 'manifest.created', fail, maxCreatedLength)
  if (Number.isNaN(Date.parse(created))) fail('manifest.created is not a timestamp')
  const entries = listField(body.entries, 'manifest.entries', fail, 0, maxManifestEntries).map((cid, i) =>
    cidField(cid, `manifest.entries[${i}]`, fail, dagCbor.code),
  )
  return { v: manifestVersion, scope: head.scope, epoch: head.epoch, seq: head.seq, entries, created }
}

function headMessage(head: ManifestHead): Uint8Array {
  return domainSeparated(headDomain, dagCbor.encode(head))
}

function manifestAad(fields: { scope: Scope; epoch: number; capsule: Uint8Array; wrappedKey: Uint8Array }): Uint8Array {
  return dagCbor.encode({ kind: 'salus.manifest', v: manifestVersion, ...fields })
}
