import type { Address, Chain, Client, Hash, Hex, Transport } from 'viem'
import { getBlockNumber, getContractEvents } from 'viem/actions'
import { Anchors } from './generated/Anchors.ts'
import { ChainInputError, type ReadChainErrorType, toChainError } from './chainErrors.ts'

export type GetAnchoredBatchesParameters = {
  anchors: Address
  /** Usually config.contracts.Anchors.deployBlock, or the last block already cached. */
  fromBlock: bigint
  toBlock?: bigint
  /** Only batches this account anchored (indexed, so the node filters). */
  submitter?: Address
  /** Blocks per eth_getLogs request; public RPCs cap the range. */
  blockRange?: bigint
}

export type AnchoredBatch = {
  batchId: bigint
  root: Hex
  submitter: Address
  count: number
  timestamp: number
  blockNumber: bigint
  txHash: Hash
}

export type GetAnchoredBatchesReturnType = { batches: AnchoredBatch[]; toBlock: bigint }

export type GetAnchoredBatchesErrorType = ReadChainErrorType | ChainInputError

/** Anchored events in a block range, oldest first; `toBlock` says where a cache can resume. */
export async function getAnchoredBatches(
  client: Client<Transport, Chain | undefined>,
  { anchors, fromBlock, toBlock, submitter, blockRange = 10_000n }: GetAnchoredBatchesParameters,
): Promise<GetAnchoredBatchesReturnType> {
  if (fromBlock < 0n || blockRange < 1n) throw new ChainInputError('That block range is not valid.', `from ${fromBlock}, range ${blockRange}`)
  try {
    const end = toBlock ?? (await getBlockNumber(client))
    const batches: AnchoredBatch[] = []
    for (let start = fromBlock; start <= end; start += blockRange) {
      const stop = start + blockRange - 1n < end ? start + blockRange - 1n : end
      const logs = await getContractEvents(client, {
        address: anchors,
        abi: Anchors.abi,
        eventName: 'Anchored',
        args: submitter ? { submitter } : {},
        fromBlock: start,
        toBlock: stop,
        strict: true,
      })
      for (const log of logs) {
        batches.push({
          batchId: log.args.batchId,
          root: log.args.root,
          submitter: log.args.submitter,
          count: log.args.count,
          timestamp: Number(log.args.timestamp),
          blockNumber: log.blockNumber,
          txHash: log.transactionHash,
        })
      }
    }
    return { batches, toBlock: end }
  } catch (error) {
    throw toChainError(error, client)
  }
}
