import { describe, expect, it } from 'vitest'
import { keccak256, toHex, type Hex } from 'viem'
import { merkleProof, merkleRoot, verifyMerkleProof } from '../../src/core/anchor/merkle.ts'
import { batchProofs } from '../../src/core/vault/batchProofs.ts'

describe('batchProofs', () => {
  it('matches merkle.ts for every leaf of odd and even batches', () => {
    for (const size of [1, 2, 3, 7, 8, 33]) {
      const leaves: Hex[] = Array.from({ length: size }, (_, i) => keccak256(toHex(`leaf ${size}/${i}`)))
      const { root, proofs } = batchProofs(leaves)
      expect(root).toBe(merkleRoot(leaves))
      proofs.forEach((proof, i) => {
        expect(proof).toEqual(merkleProof(leaves, i))
        expect(verifyMerkleProof(leaves[i]!, proof, root)).toBe(true)
      })
    }
  })

  it('proves a 10,000-leaf batch without rebuilding the tree per leaf', () => {
    const leaves: Hex[] = Array.from({ length: 10_000 }, (_, i) => keccak256(toHex(i)))
    const start = performance.now()
    const { root, proofs } = batchProofs(leaves)
    const elapsed = performance.now() - start
    expect(proofs[9_999]).toEqual(merkleProof(leaves, 9_999))
    expect(verifyMerkleProof(leaves[4321]!, proofs[4321]!, root)).toBe(true)
    expect(elapsed).toBeLessThan(20_000)
  })
})
