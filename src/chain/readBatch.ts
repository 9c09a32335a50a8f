import { type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import { readContract } from 'viem/actions'
import { Anchors } from './generated/Anchors.ts'
import { ChainInputError, type ReadChainErrorType, toChainError } from './chainErrors.ts'

export type ReadBatchParameters = {
  anchors: Address
  batchId: bigint
}

export type ReadBatchReturnType = {
  batchId: bigint
  root: Hex
  count: number
  /** Block time of the anchor, seconds since the epoch. */
  timestamp: number
  submitter: Address
}

export type ReadBatchErrorType = ReadChainErrorType | ChainInputError

/** The anchored batch `batchId`; an unknown id throws ContractRefusedError (Anchors__UnknownBatch). */
export async function readBatch(
  client: Client<Transport, Chain | undefined>,
  { anchors, batchId }: ReadBatchParameters,
): Promise<ReadBatchReturnType> {
  if (typeof batchId !== 'bigint' || batchId < 1n) throw new ChainInputError('That anchor batch id is not valid.', `batchId ${String(batchId)}`)
  try {
    const batch = await readContract(client, { address: anchors, abi: Anchors.abi, functionName: 'batch', args: [batchId] })
    return { batchId, root: batch.root, count: batch.count, timestamp: Number(batch.timestamp), submitter: batch.submitter }
  } catch (error) {
    throw toChainError(error, client)
  }
}
