import { parseEventLogs, type Account, type Address, type Chain, type Client, type Hash, type Hex, type Transport } from 'viem'
import { assertHash32 } from './assertHash32.ts'
import { Anchors } from './generated/Anchors.ts'
import { ChainInputError, UnexpectedChainDataError, type WriteChainErrorType } from './chainErrors.ts'
import { sendTransaction } from './sendTransaction.ts'

export type AnchorBatchParameters = {
  /** Address of the Anchors contract. */
  anchors: Address
  /** Merkle root of the batch's leaves (src/core/anchor/merkle.ts). */
  root: Hex
  /** How many records the batch holds. */
  count: number
}

export type AnchorBatchReturnType = {
  batchId: bigint
  txHash: Hash
  blockNumber: bigint
  /** Block time of the anchor, seconds since the epoch. */
  timestamp: number
}

export type AnchorBatchErrorType = WriteChainErrorType | ChainInputError

/** Anchors one Merkle root on chain and waits until it is mined. */
export async function anchorBatch(
  client: Client<Transport, Chain | undefined, Account>,
  { anchors, root, count }: AnchorBatchParameters,
): Promise<AnchorBatchReturnType> {
  assertHash32(root, 'root')
  if (BigInt(root) === 0n) throw new ChainInputError('This batch has no Merkle root to anchor.', 'root is zero')
  if (!Number.isSafeInteger(count) || count < 1 || count > 0xffff_ffff) {
    throw new ChainInputError('A batch must hold between 1 and 4,294,967,295 records.', `count ${count}`)
  }
  const { txHash, receipt } = await sendTransaction(client, {
    address: anchors,
    abi: Anchors.abi,
    functionName: 'anchor',
    args: [root, count],
  })
  const [event] = parseEventLogs({ abi: Anchors.abi, eventName: 'Anchored', logs: receipt.logs }).filter(
    (log) => log.address.toLowerCase() === anchors.toLowerCase(),
  )
  if (!event) throw new UnexpectedChainDataError(`no Anchored event in transaction ${txHash}`)
  return {
    batchId: event.args.batchId,
    txHash,
    blockNumber: receipt.blockNumber,
    timestamp: Number(event.args.timestamp),
  }
}
