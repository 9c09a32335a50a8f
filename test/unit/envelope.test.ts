import * as dagCbor from '@ipld/dag-cbor'
import * as umbral from '@nucypher/umbral-pre'
import { readFileSync } from 'node:fs'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { BlockTamperedError, memoryBlockAccess, type BlockAccess } from '../../src/core/blocks.ts'
import { canonicalJson } from '../../src/core/envelope/canonicalJson.ts'
import { associatedData, decodeEnvelope, encodeHeader, type Envelope, type EnvelopeHeader } from '../../src/core/envelope/envelope.ts'
import {
  AttachmentSizeMismatchError,
  MalformedEnvelopeError,
  RecordTamperedError,
  ScopeMismatchError,
  WrongScopeKeyError,
} from '../../src/core/envelope/envelopeErrors.ts'
import { loadAttachmentManifest, readAttachment } from '../../src/core/envelope/attachmentStream.ts'
import { openRecord } from '../../src/core/envelope/openRecord.ts'
import { sealRecord, type RecordResource } from '../../src/core/envelope/sealRecord.ts'
import { recordSigner, signBytes, unwrapDataKey, unwrapReencryptedDataKey } from '../../src/crypto/umbral.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'

import { fhirFixtures } from '../support/fixtures.ts'
const fixtures = fhirFixtures
const allergy = JSON.parse(readFileSync(`${fixtures}/AllergyIntolerance-extracted-from-ips-bundle-01.json`, 'utf8')) as RecordResource
const bundle = JSON.parse(readFileSync(`${fixtures}/ips-bundle-01.json`, 'utf8')) as RecordResource

const seed = crypto.getRandomValues(new Uint8Array(32))
const author = recordSigner(seed)
const allergiesKey = scopeSecretKey(seed, 'allergies', 0)
const unwrapAllergies = (capsule: Uint8Array, wrappedKey: Uint8Array) => unwrapDataKey(allergiesKey, capsule, wrappedKey)
const chunkSize = 64 * 1024

function sealAllergy(blocks: BlockAccess, extra: Partial<Parameters<typeof sealRecord>[1]> = {}) {
  return sealRecord(blocks, {
    resource: allergy,
    scope: 'allergies',
    epoch: 0,
    scopePublicKey: allergiesKey.publicKey(),
    author,
    created: '2025-03-01T10:00:00Z',
    ...extra,
  })
}

function bytesOf(length: number, seedByte = 1): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seedByte) & 0xff
  return out
}

async function* inPieces(bytes: Uint8Array, size = 10_000) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

async function readAll(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Buffer.concat(parts)
}

/** Stores an altered envelope as a new block, as an attacker with write access to a pin would. */
async function forge(blocks: BlockAccess, envelope: Envelope, change: (header: EnvelopeHeader) => void, signer?: umbral.Signer) {
  const header = structuredClone(envelope.header)
  header.body = envelope.header.body
  if (envelope.header.attachment) header.attachment = { ...header.attachment!, manifest: envelope.header.attachment.manifest }
  change(header)
  const sig = signer ? signBytes(signer, encodeHeader(header)) : envelope.sig
  return blocks.put(dagCbor.encode({ header, sig }), 'dag-cbor')
}

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined members and has no whitespace', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: 'é' }], a: null, c: undefined, '\u00e9': 1.5e-7, B: true })).toBe(
      '{"B":true,"a":null,"b":[3,{"a":"é","z":1}],"é":1.5e-7}',
    )
    const shuffled = Object.fromEntries(Object.entries(bundle).reverse())
    expect(canonicalJson(shuffled)).toBe(canonicalJson(bundle))
    expect(JSON.parse(canonicalJson(bundle))).toEqual(bundle)
  })

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError)
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError)
    expect(() => canonicalJson({ a: new Date() })).toThrow(TypeError)
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    expect(() => canonicalJson(cycle)).toThrow(/cycle/)
  })
})

describe('envelope', () => {
  it('seals and opens a FHIR resource; the envelope carries the signed header', async () => {
    const blocks = memoryBlockAccess()
    const { cid, envelope } = await sealAllergy(blocks)
    expect(cid.code).toBe(0x71)
    expect(envelope.header).toMatchObject({ v: 1, scope: 'allergies', epoch: 0, resourceType: 'AllergyIntolerance', created: '2025-03-01T10:00:00.000Z' })
    expect(envelope.header.author).toEqual(author.verifyingKey.toCompressedBytes())
    expect(envelope.header.attachment).toBeUndefined()
    expect(decodeEnvelope(await blocks.get(cid))).toEqual(envelope)

    const opened = await openRecord(blocks, { cid, unwrapKey: unwrapAllergies, expectedScope: 'allergies', authorKey: author.verifyingKey })
    expect(opened.resource).toEqual(allergy)
    expect(opened.attachment).toBeUndefined()
    // The stored body is ciphertext: the patient's data never sits in the blockstore in clear.
    const body = Buffer.from(await blocks.get(envelope.header.body)).toString('latin1')
    expect(body).not.toContain('AllergyIntolerance')
  })

  it('opens for a grantee through re-encrypted capsule fragments with the same code', async () => {
    const blocks = memoryBlockAccess()
    const { cid } = await sealAllergy(blocks)
    const doctor = umbral.SecretKey.random()
    const kfrags = umbral.generateKFrags(allergiesKey, doctor.publicKey(), author.signer, 2, 3, true, true)
    const opened = await openRecord(blocks, {
      cid,
      unwrapKey: async (capsule, wrappedKey) => {
        const parsed = umbral.Capsule.fromBytes(capsule)
        const cfrags = kfrags.slice(1).map((kfrag) => umbral.reencrypt(parsed, kfrag))
        return unwrapReencryptedDataKey(doctor, allergiesKey.publicKey(), capsule, cfrags, wrappedKey)
      },
    })
    expect(opened.resource).toEqual(allergy)
  })

  it('streams an attachment of 3.5 chunks and reports progress up to the total', async () => {
    const blocks = memoryBlockAccess()
    const file = bytesOf(3.5 * chunkSize)
    const progress: number[] = []
    const { cid, envelope } = await sealRecord(blocks, {
      resource: bundle,
      scope: 'summary',
      epoch: 2,
      scopePublicKey: scopeSecretKey(seed, 'summary', 2).publicKey(),
      author,
      attachment: { contentType: 'application/pdf', size: file.length, source: inPieces(file), chunkSize },
      onProgress: ({ done, total }) => {
        expect(total).toBe(canonicalJson(bundle).length + file.length)
        progress.push(done)
      },
    })
    expect(progress.at(-1)).toBe(canonicalJson(bundle).length + file.length)
    expect([...progress].sort((a, b) => a - b)).toEqual(progress)
    const manifest = await loadAttachmentManifest(blocks, envelope.header.attachment!.manifest, file.length)
    expect(manifest.chunks).toHaveLength(4)

    const key = scopeSecretKey(seed, 'summary', 2)
    const opened = await openRecord(blocks, { cid, unwrapKey: (c, w) => unwrapDataKey(key, c, w), expectedScope: 'summary' })
    expect(opened.resource).toEqual(bundle)
    expect(opened.attachment).toMatchObject({ contentType: 'application/pdf', size: file.length })
    expect((await readAll(opened.attachment!.read())).equals(file)).toBe(true)
    // read() can be called again: it streams from the blocks, not from a buffer.
    expect((await readAll(opened.attachment!.read())).length).toBe(file.length)
  })

  it('handles an empty attachment', async () => {
    const blocks = memoryBlockAccess()
    const { cid } = await sealAllergy(blocks, { attachment: { contentType: 'text/plain', size: 0, source: [] } })
    const opened = await openRecord(blocks, { cid, unwrapKey: unwrapAllergies })
    expect(opened.attachment?.size).toBe(0)
    expect((await readAll(opened.attachment!.read())).length).toBe(0)
  })

  it('refuses an attachment whose stream is shorter or longer than declared', async () => {
    const blocks = memoryBlockAccess()
    const file = bytesOf(1000)
    await expect(sealAllergy(blocks, { attachment: { contentType: 'text/plain', size: 1001, source: [file] } })).rejects.toBeInstanceOf(
      AttachmentSizeMismatchError,
    )
    await expect(sealAllergy(blocks, { attachment: { contentType: 'text/plain', size: 999, source: [file] } })).rejects.toBeInstanceOf(
      AttachmentSizeMismatchError,
    )
  })

  describe('tampering', () => {
    it('a flipped byte in the body ciphertext, rewritten under the same CID → BlockTamperedError', async () => {
      const blocks = memoryBlockAccess()
      const { cid, envelope } = await sealAllergy(blocks)
      const body = (await blocks.get(envelope.header.body)).slice()
      body[40]! ^= 1
      await blocks.blockstore.put(envelope.header.body, body)
      await expect(openRecord(blocks, { cid, unwrapKey: unwrapAllergies })).rejects.toBeInstanceOf(BlockTamperedError)
    })

    it('a flipped byte in an attachment chunk, under the same CID → BlockTamperedError while streaming', async () => {
      const blocks = memoryBlockAccess()
      const file = bytesOf(2 * chunkSize + 5)
      const { cid, envelope } = await sealAllergy(blocks, { attachment: { contentType: 'image/png', size: file.length, source: [file], chunkSize } })
      const manifest = await loadAttachmentManifest(blocks, envelope.header.attachment!.manifest, file.length)
      const chunk = (await blocks.get(manifest.chunks[1]!)).slice()
      chunk[100]! ^= 1
      await blocks.blockstore.put(manifest.chunks[1]!, chunk)
      const opened = await openRecord(blocks, { cid, unwrapKey: unwrapAllergies })
      await expect(readAll(opened.attachment!.read())).rejects.toBeInstanceOf(BlockTamperedError)
    })

    for (const [field, change] of [
      ['epoch', (h: EnvelopeHeader) => (h.epoch = 1)],
      ['scope', (h: EnvelopeHeader) => (h.scope = 'summary')],
      ['resourceType', (h: EnvelopeHeader) => (h.resourceType = 'Condition')],
      ['created', (h: EnvelopeHeader) => (h.created = '2020-01-01T00:00:00.000Z')],
      ['capsule', (h: EnvelopeHeader) => (h.capsule = flip(h.capsule))],
      ['wrappedKey', (h: EnvelopeHeader) => (h.wrappedKey = flip(h.wrappedKey))],
    ] as const) {
      it(`header field ${field} altered → RecordTamperedError`, async () => {
        const blocks = memoryBlockAccess()
        const { envelope } = await sealAllergy(blocks)
        const forged = await forge(blocks, envelope, change)
        await expect(openRecord(blocks, { cid: forged, unwrapKey: unwrapAllergies })).rejects.toBeInstanceOf(RecordTamperedError)
      })
    }

    it('another body swapped in → RecordTamperedError', async () => {
      const blocks = memoryBlockAccess()
      const { envelope } = await sealAllergy(blocks)
      const other = await sealAllergy(blocks, { resource: { ...allergy, id: 'another' } })
      const forged = await forge(blocks, envelope, (h) => (h.body = other.envelope.header.body))
      await expect(openRecord(blocks, { cid: forged, unwrapKey: unwrapAllergies })).rejects.toBeInstanceOf(RecordTamperedError)
    })

    it('re-signed by someone else: authorKey refuses it, and without authorKey the AEAD does', async () => {
      const blocks = memoryBlockAccess()
      const { envelope } = await sealAllergy(blocks)
      const mallory = recordSigner(crypto.getRandomValues(new Uint8Array(32)))
      const forged = await forge(blocks, envelope, (h) => (h.author = mallory.verifyingKey.toCompressedBytes()), mallory.signer)
      await expect(openRecord(blocks, { cid: forged, unwrapKey: unwrapAllergies, authorKey: author.verifyingKey })).rejects.toBeInstanceOf(
        RecordTamperedError,
      )
      await expect(openRecord(blocks, { cid: forged, unwrapKey: unwrapAllergies })).rejects.toBeInstanceOf(RecordTamperedError)
    })

    it('wrappedKey altered and re-signed → WrongScopeKeyError', async () => {
      const blocks = memoryBlockAccess()
      const { envelope } = await sealAllergy(blocks)
      const forged = await forge(blocks, envelope, (h) => (h.wrappedKey = flip(h.wrappedKey)), author.signer)
      await expect(openRecord(blocks, { cid: forged, unwrapKey: unwrapAllergies })).rejects.toBeInstanceOf(WrongScopeKeyError)
    })

    it('reordered or truncated attachment chunks → RecordTamperedError', async () => {
      const blocks = memoryBlockAccess()
      const file = bytesOf(3 * chunkSize, 9)
      const { cid, envelope } = await sealAllergy(blocks, { attachment: { contentType: 'image/png', size: file.length, source: [file], chunkSize } })
      let dataKey: Uint8Array | undefined
      await openRecord(blocks, { cid, unwrapKey: (c, w) => (dataKey = unwrapAllergies(c, w).slice()) })
      const manifest = await loadAttachmentManifest(blocks, envelope.header.attachment!.manifest, file.length)
      const aad = associatedData(envelope.header)
      const [a, b, c] = manifest.chunks as [CID, CID, CID]
      for (const chunks of [[a, c, b], [a, b, b], [a, b]]) {
        const altered = { ...manifest, chunks }
        await expect(readAll(readAttachment(blocks, { manifest: altered, dataKey: dataKey!, aad }))).rejects.toBeInstanceOf(RecordTamperedError)
      }
      // A manifest that disagrees with the signed size is refused before any chunk is read.
      await expect(loadAttachmentManifest(blocks, envelope.header.attachment!.manifest, file.length - 1)).rejects.toBeInstanceOf(RecordTamperedError)
    })
  })

  describe('keys and scopes', () => {
    it('the wrong scope key → WrongScopeKeyError', async () => {
      const blocks = memoryBlockAccess()
      const { cid } = await sealAllergy(blocks)
      for (const key of [scopeSecretKey(seed, 'labs', 0), scopeSecretKey(seed, 'allergies', 1)]) {
        await expect(openRecord(blocks, { cid, unwrapKey: (c, w) => unwrapDataKey(key, c, w) })).rejects.toBeInstanceOf(WrongScopeKeyError)
      }
      await expect(openRecord(blocks, { cid, unwrapKey: () => new Uint8Array(16) })).rejects.toBeInstanceOf(WrongScopeKeyError)
    })

    it('another scope than expected → ScopeMismatchError, before any key is used', async () => {
      const blocks = memoryBlockAccess()
      const { cid } = await sealAllergy(blocks)
      let unwrapped = false
      const attempt = openRecord(blocks, { cid, expectedScope: 'labs', unwrapKey: (c, w) => ((unwrapped = true), unwrapAllergies(c, w)) })
      await expect(attempt).rejects.toBeInstanceOf(ScopeMismatchError)
      expect(unwrapped).toBe(false)
    })
  })

  describe('malformed envelopes → MalformedEnvelopeError', async () => {
    const blocks = memoryBlockAccess()
    const { envelope } = await sealAllergy(blocks)
    const cases: Record<string, unknown> = {
      'not a map': [1, 2, 3],
      'no signature': { header: envelope.header },
      'short signature': { header: envelope.header, sig: new Uint8Array(10) },
      'extra field': { ...envelope, extra: 1 },
      'unknown version': { ...envelope, header: { ...envelope.header, v: 2 } },
      'unknown scope': { ...envelope, header: { ...envelope.header, scope: 'everything' } },
      'fractional epoch': { ...envelope, header: { ...envelope.header, epoch: 1.5 } },
      'string epoch': { ...envelope, header: { ...envelope.header, epoch: '1' } },
      'bad resourceType': { ...envelope, header: { ...envelope.header, resourceType: '<script>' } },
      'bad created': { ...envelope, header: { ...envelope.header, created: 'yesterday' } },
      'short author key': { ...envelope, header: { ...envelope.header, author: new Uint8Array(32) } },
      'huge capsule': { ...envelope, header: { ...envelope.header, capsule: new Uint8Array(5000) } },
      'body not a CID': { ...envelope, header: { ...envelope.header, body: 'bafy' } },
      'body a dag-cbor CID': { ...envelope, header: { ...envelope.header, body: CID.createV1(0x71, envelope.header.body.multihash) } },
      'unknown suite': { ...envelope, header: { ...envelope.header, suite: 'rot13' } },
      'attachment with a negative size': {
        ...envelope,
        header: { ...envelope.header, attachment: { manifest: envelope.header.body, contentType: 'text/plain', size: -1 } },
      },
    }
    for (const [name, value] of Object.entries(cases)) {
      it(name, async () => {
        const cid = await blocks.put(dagCbor.encode(value), 'dag-cbor')
        await expect(openRecord(blocks, { cid, unwrapKey: unwrapAllergies })).rejects.toBeInstanceOf(MalformedEnvelopeError)
      })
    }
    it('not dag-cbor, or larger than 64 KiB', async () => {
      expect(() => decodeEnvelope(new Uint8Array([0xff, 0x00]))).toThrow(MalformedEnvelopeError)
      const big = { ...envelope, header: { ...envelope.header, resourceType: 'A'.repeat(70_000) } }
      expect(() => decodeEnvelope(dagCbor.encode(big))).toThrow(/exceeds/)
      const rawCid = await blocks.put(new Uint8Array([1]), 'raw')
      await expect(openRecord(blocks, { cid: rawCid, unwrapKey: unwrapAllergies })).rejects.toBeInstanceOf(MalformedEnvelopeError)
    })
  })
})

function flip(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice()
  copy[copy.length - 1]! ^= 1
  return copy
}
