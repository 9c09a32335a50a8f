import { type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import { readContract } from 'viem/actions'
import { assertHash32 } from './assertHash32.ts'
import { Anchors } from './generated/Anchors.ts'
import { ChainInputError, type ReadChainErrorType, toChainError } from './chainErrors.ts'

export type VerifyAnchorParameters = {
  anchors: Address
  batchId: bigint
  /** anchorLeaf(cid) of the record (src/core/anchor/merkle.ts). */
  leaf: Hex
  /** merkleProof(leaves, index): sibling hashes from the leaf up. */
  proof: readonly Hex[]
}

export type VerifyAnchorReturnType = boolean

/** A batch of 2^64 leaves would need a proof of 64; anything longer is not ours. */
const maxProofLength = 64

export type VerifyAnchorErrorType = ReadChainErrorType | ChainInputError

/** Asks the Anchors contract whether `leaf` is in batch `batchId`, so the answer comes from the chain itself. */
export async function verifyAnchor(
  client: Client<Transport, Chain | undefined>,
  { anchors, batchId, leaf, proof }: VerifyAnchorParameters,
): Promise<VerifyAnchorReturnType> {
  if (typeof batchId !== 'bigint' || batchId < 1n) throw new ChainInputError('That anchor batch id is not valid.', `batchId ${String(batchId)}`)
  assertHash32(leaf, 'leaf')
  if (!Array.isArray(proof) || proof.length > maxProofLength) {
    throw new ChainInputError('The anchor proof is malformed.', `proof must be a list of at most ${maxProofLength} hashes`)
  }
  proof.forEach((node, i) => assertHash32(node, `proof[${i}]`))
  try {
    return await readContract(client, { address: anchors, abi: Anchors.abi, functionName: 'verify', args: [batchId, leaf, proof] })
  } catch (error) {
    throw toChainError(error, client)
  }
}
