import type { CID } from 'multiformats/cid'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concat, isHex, keccak256, type Hex } from 'viem'
import { SalusError } from '../../errors/salusError.ts'

/**
 * Batches of envelope CIDs are anchored on chain as one Merkle root. Pairs are hashed
 * sorted (keccak256(min || max)) exactly like OpenZeppelin `MerkleProof.processProof`,
 * so the contract verifies our proofs; an odd node is promoted to the next level unchanged.
 * Leaves are keccak256 of the CID bytes, never 64 bytes long, so an inner node cannot pass
 * for a leaf.
 */
export class EmptyMerkleBatchError extends SalusError {
  override name = 'EmptyMerkleBatchError' as const
  constructor() {
    super('There are no new records to anchor.', { details: 'a Merkle tree needs at least one leaf' })
  }
}

/**
 * keccak256(salt || CID bytes). The salt is a per-record secret kept in the vault
 * (anchorSalt), so a CID seen by a care node or a doctor cannot be matched to a leaf of
 * an anchored root; without a salt (anchors made before salting), keccak256(CID bytes).
 */
export function anchorLeaf(cid: CID, salt?: Hex): Hex {
  if (salt === undefined) return keccak256(cid.bytes)
  if (!isHex(salt) || salt.length !== 66) throw new TypeError('an anchor salt is 32 bytes of hex')
  return keccak256(concat([salt, bytesToHex(cid.bytes)]))
}

/** The record's anchor salt: HMAC-SHA256 under the vault key, so the patient's keys rebuild it and nobody else can. */
export function anchorSalt(vaultKey: Uint8Array, cid: CID): Hex {
  return bytesToHex(hmac(sha256, vaultKey, concatBytes(saltDomain, cid.bytes)))
}

const saltDomain = new TextEncoder().encode('salus.anchor-salt.v1')

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

export function merkleRoot(leaves: readonly Hex[]): Hex {
  const levels = buildLevels(leaves)
  return (levels[levels.length - 1] as Hex[])[0] as Hex
}

/** Sibling hashes from the leaf up; a single-leaf tree has the empty proof. */
export function merkleProof(leaves: readonly Hex[], index: number): Hex[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} outside a batch of ${leaves.length}`)
  }
  const levels = buildLevels(leaves)
  const proof: Hex[] = []
  let position = index
  for (const level of levels.slice(0, -1)) {
    const sibling = level[position ^ 1]
    if (sibling !== undefined) proof.push(sibling)
    position >>= 1
  }
  return proof
}

export function verifyMerkleProof(leaf: Hex, proof: readonly Hex[], root: Hex): boolean {
  if (!isHash(leaf) || !isHash(root) || !proof.every(isHash)) return false
  return proof.reduce<Hex>((node, sibling) => hashPair(node, sibling), leaf).toLowerCase() === root.toLowerCase()
}

function buildLevels(leaves: readonly Hex[]): Hex[][] {
  if (leaves.length === 0) throw new EmptyMerkleBatchError()
  for (const leaf of leaves) if (!isHash(leaf)) throw new TypeError(`Merkle leaf ${String(leaf)} is not a 32-byte hex hash`)
  const levels: Hex[][] = [leaves.map((leaf) => leaf.toLowerCase() as Hex)]
  let level = levels[0] as Hex[]
  while (level.length > 1) {
    const next: Hex[] = []
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Hex
      const right = level[i + 1]
      next.push(right === undefined ? left : hashPair(left, right))
    }
    levels.push(next)
    level = next
  }
  return levels
}

/** OpenZeppelin `Hashes.commutativeKeccak256`: the smaller value goes first. */
function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]))
}

function isHash(value: unknown): value is Hex {
  return typeof value === 'string' && value.length === 66 && isHex(value, { strict: true })
}
