import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { buildManifest, openManifest, verifyHead } from '../../src/core/consent/scopeManifest.ts'
import { recordSigner, unwrapDataKey } from '../../src/crypto/umbral.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'

const seed = new Uint8Array(32).fill(6)
const author = recordSigner(seed)
const labs = scopeSecretKey(seed, 'labs', 1)
const unwrapKey = (capsule: Uint8Array, wrapped: Uint8Array) => unwrapDataKey(labs, capsule, wrapped)
const entry = async (i: number) => CID.createV1(dagCbor.code, await sha256.digest(new Uint8Array([i])))

describe('scope manifest', () => {
  it('round-trips through a signed head and the scope key', async () => {
    const blocks = memoryBlockAccess()
    const entries = [await entry(1), await entry(2)]
    const { head, cid } = await buildManifest(blocks, { scope: 'labs', epoch: 1, seq: 7, entries, scopePublicKey: labs.publicKey(), author })
    expect(head.head.manifest.equals(cid)).toBe(true)
    // A head travels as dag-cbor between peers.
    const checked = verifyHead(dagCbor.decode(dagCbor.encode(head)), { author: author.verifyingKey.toCompressedBytes(), scope: 'labs' })
    const body = await openManifest(blocks, { head: checked, unwrapKey })
    expect(body.seq).toBe(7)
    expect(body.entries.map(String)).toEqual(entries.map(String))
    // The body is ciphertext: the entry CIDs do not appear in the block.
    const stored = await blocks.get(cid)
    expect(Buffer.from(stored).includes(Buffer.from(entries[0]!.bytes))).toBe(false)
  })

  it('rejects forged, altered and mismatched heads', async () => {
    const blocks = memoryBlockAccess()
    const { head } = await buildManifest(blocks, { scope: 'labs', epoch: 1, seq: 3, entries: [], scopePublicKey: labs.publicKey(), author })
    const tamper = (change: (h: Record<string, unknown>) => void) => {
      const copy = structuredClone({ head: { ...head.head, manifest: head.head.manifest.toString() }, sig: head.sig }) as { head: Record<string, unknown> }
      copy.head.manifest = head.head.manifest
      change(copy.head)
      return copy
    }
    expect(() => verifyHead(tamper((h) => (h.seq = 4)))).toThrow(expect.objectContaining({ name: 'ManifestTamperedError' }))
    expect(() => verifyHead(tamper((h) => (h.scope = 'allergies')))).toThrow(/signature/)
    expect(() => verifyHead(tamper((h) => (h.extra = 1)))).toThrow(/unexpected/)
    expect(() => verifyHead({ ...head, sig: new Uint8Array(64) })).toThrow(/signature/)
    const mallory = recordSigner(new Uint8Array(32).fill(1))
    expect(() => verifyHead(head, { author: mallory.verifyingKey.toCompressedBytes() })).toThrow(/another author/)
    expect(() => verifyHead(head, { scope: 'notes' })).toThrow(/not notes/)
    // Mallory signs her own head over the patient's manifest: valid, but not the patient's.
    const forged = await buildManifest(blocks, { scope: 'labs', epoch: 1, seq: 99, entries: [], scopePublicKey: labs.publicKey(), author: mallory })
    expect(() => verifyHead(forged.head, { author: author.verifyingKey.toCompressedBytes() })).toThrow(/another author/)
  })

  it('refuses a manifest that does not match its head or its key', async () => {
    const blocks = memoryBlockAccess()
    const a = await buildManifest(blocks, { scope: 'labs', epoch: 1, seq: 3, entries: [await entry(1)], scopePublicKey: labs.publicKey(), author })
    const b = await buildManifest(blocks, { scope: 'labs', epoch: 1, seq: 4, entries: [await entry(2)], scopePublicKey: labs.publicKey(), author })
    // A head pointing at a manifest with another seq (replaying an old list under a new number).
    const mixed = { head: { ...b.head.head, manifest: a.cid }, sig: b.head.sig }
    await expect(openManifest(blocks, { head: mixed, unwrapKey })).rejects.toThrow(expect.objectContaining({ name: 'ManifestTamperedError' }))
    const otherKey = scopeSecretKey(seed, 'labs', 2)
    await expect(openManifest(blocks, { head: a.head, unwrapKey: (c, w) => unwrapDataKey(otherKey, c, w) })).rejects.toThrow(/unwrap/)
  })
})
