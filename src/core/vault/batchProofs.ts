import type { Hex } from 'viem'
import { merkleRoot } from '../anchor/merkle.ts'

/**
 * Root and every leaf's proof for one anchoring batch, building the tree once:
 * `merkleProof` rebuilds it per call, which is quadratic for a 10,000-record import.
 * Pairs are hashed by merkle.ts itself (`merkleRoot` of two leaves is their sorted-pair
 * hash) and the result is checked against `merkleRoot(leaves)`, so the shape cannot drift.
 * (Could move into merkle.ts as `merkleProofs`.)
 */
export function batchProofs(leaves: readonly Hex[]): { root: Hex; proofs: Hex[][] } {
  const root = merkleRoot(leaves)
  const levels: Hex[][] = [leaves.map((leaf) => leaf.toLowerCase() as Hex)]
  for (let level = levels[0]!; level.length > 1; ) {
    const next: Hex[] = []
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1]
      next.push(right === undefined ? level[i]! : merkleRoot([level[i]!, right]))
    }
    levels.push(next)
    level = next
  }
  if (levels.at(-1)![0] !== root.toLowerCase()) throw new Error('batchProofs disagrees with merkleRoot')
  const proofs = leaves.map((_, index) => {
    const proof: Hex[] = []
    let position = index
    for (const level of levels.slice(0, -1)) {
      const sibling = level[position ^ 1]
      if (sibling !== undefined) proof.push(sibling)
      position >>= 1
    }
    return proof
  })
  return { root, proofs }
}
