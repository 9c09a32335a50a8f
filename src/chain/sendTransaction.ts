import type { Abi, Account, Chain, Client, ContractFunctionArgs, ContractFunctionName, Address, Hash, Transport, TransactionReceipt } from 'viem'
import { waitForTransactionReceipt, writeContract } from 'viem/actions'
import { toChainError, UnexpectedChainDataError, type ToChainErrorOptions, type WriteChainErrorType } from './chainErrors.ts'

export type SendTransactionErrorType = WriteChainErrorType

export type SentTransaction = { txHash: Hash; blockNumber: bigint; receipt: TransactionReceipt }

/**
 * Sends one contract write (with `value` when it pays), waits for it to be mined, and
 * maps failures to SalusErrors: a revert of any Salus contract to ContractRefusedError.
 */
export async function sendTransaction<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(
  client: Client<Transport, Chain | undefined, Account>,
  call: {
    address: Address
    abi: abi
    functionName: functionName
    args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>
    value?: bigint
  },
  options: ToChainErrorOptions = {},
): Promise<SentTransaction> {
  try {
    // The generic write parameters are too deep for TypeScript to re-check here; callers are typed.
    const txHash = await writeContract(client, { ...call, chain: client.chain, account: client.account } as never)
    const receipt = await waitForTransactionReceipt(client, { hash: txHash })
    if (receipt.status !== 'success') throw new UnexpectedChainDataError(`transaction ${txHash} reverted`)
    return { txHash, blockNumber: receipt.blockNumber, receipt }
  } catch (error) {
    throw toChainError(error, client, options)
  }
}
