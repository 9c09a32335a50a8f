import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes, type Hex } from 'viem'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { anchorLeaf, EmptyMerkleBatchError, merkleProof, merkleRoot, verifyMerkleProof } from '../../src/core/anchor/merkle.ts'

/** OpenZeppelin MerkleProof.processProof, written independently over @noble keccak. */
function processProof(leaf: Hex, proof: Hex[]): Hex {
  let node = hexToBytes(leaf)
  for (const sibling of proof.map((p) => hexToBytes(p))) {
    const [a, b] = Buffer.compare(node, sibling) < 0 ? [node, sibling] : [sibling, node]
    node = keccak_256(new Uint8Array([...a, ...b]))
  }
  return bytesToHex(node)
}

async function leaves(count: number): Promise<Hex[]> {
  const out: Hex[] = []
  for (let i = 0; i < count; i++) out.push(anchorLeaf(CID.createV1(0x71, await sha256.digest(new Uint8Array([i])))))
  return out
}

describe('merkle', () => {
  it('hashes a CID as keccak256 of its bytes', async () => {
    const cid = CID.createV1(0x71, await sha256.digest(new Uint8Array([1])))
    expect(anchorLeaf(cid)).toBe(bytesToHex(keccak_256(cid.bytes)))
  })

  it('has root = leaf and an empty proof for one leaf, and throws on none', async () => {
    const [leaf] = await leaves(1)
    expect(merkleRoot([leaf!])).toBe(leaf)
    expect(merkleProof([leaf!], 0)).toEqual([])
    expect(verifyMerkleProof(leaf!, [], leaf!)).toBe(true)
    expect(() => merkleRoot([])).toThrow(EmptyMerkleBatchError)
  })

  it('promotes an odd node unchanged', async () => {
    const [a, b, c] = await leaves(3)
    const pair = processProof(a!, [b!])
    expect(merkleRoot([a!, b!, c!])).toBe(processProof(pair, [c!]))
    expect(merkleProof([a!, b!, c!], 2)).toEqual([pair])
  })

  it('proves every leaf of batches of 1..17 and refuses a wrong leaf, proof or root', async () => {
    const all = await leaves(18)
    for (let count = 1; count <= 17; count++) {
      const batch = all.slice(0, count)
      const root = merkleRoot(batch)
      for (let index = 0; index < count; index++) {
        const proof = merkleProof(batch, index)
        expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(count)))
        expect(processProof(batch[index]!, proof)).toBe(root)
        expect(verifyMerkleProof(batch[index]!, proof, root)).toBe(true)
        expect(verifyMerkleProof(all[17]!, proof, root)).toBe(false)
        if (count > 1) {
          expect(verifyMerkleProof(batch[(index + 1) % count]!, proof, root)).toBe(false)
          expect(verifyMerkleProof(batch[index]!, proof.slice(1), root)).toBe(false)
        }
      }
      expect(verifyMerkleProof(batch[0]!, merkleProof(batch, 0), merkleRoot(all.slice(0, count + 1)))).toBe(false)
    }
  })

  it('rejects malformed input instead of hashing it', async () => {
    const batch = await leaves(2)
    expect(() => merkleRoot(['0x1234'])).toThrow(TypeError)
    expect(() => merkleProof(batch, 2)).toThrow(RangeError)
    expect(verifyMerkleProof('0xzz' as Hex, [], batch[0]!)).toBe(false)
  })
})

describe('salted anchor leaves', () => {
  it('a leaf cannot be matched to a CID without the vault key', async () => {
    const { anchorSalt } = await import('../../src/core/anchor/merkle.ts')
    const cid = CID.createV1(0x71, await sha256.digest(new Uint8Array([7])))
    const vaultKey = new Uint8Array(32).fill(3)
    const salt = anchorSalt(vaultKey, cid)
    const leaf = anchorLeaf(cid, salt)
    // What a care node or a doctor who knows the CID can compute: not the leaf.
    expect(leaf).not.toBe(anchorLeaf(cid))
    expect(leaf).not.toBe(anchorLeaf(cid, anchorSalt(new Uint8Array(32).fill(4), cid)))
    // The patient's keys rebuild the same salt on any device.
    expect(anchorSalt(new Uint8Array(32).fill(3), cid)).toBe(salt)
    expect(anchorSalt(vaultKey, CID.createV1(0x71, await sha256.digest(new Uint8Array([8]))))).not.toBe(salt)
    expect(() => anchorLeaf(cid, '0x12')).toThrow(TypeError)
  })
})
