import type { Address, Hash } from 'viem'
import { Insurance } from '../generated/Insurance.ts'
import { ChainInputError, type WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'

export type FundPoolParameters = { insurance: Address; insurer: Address; amount: bigint }
export type FundPoolReturnType = { txHash: Hash; blockNumber: bigint }

export type FundPoolErrorType = WriteChainErrorType | ChainInputError

/** Adds `amount` wei to an insurer's pool (the insurer or anyone on its behalf). */
export async function fundPool(client: PaymentsWalletClient, { insurance, insurer, amount }: FundPoolParameters): Promise<FundPoolReturnType> {
  if (typeof amount !== 'bigint' || amount <= 0n) throw new ChainInputError('Enter an amount above zero.', `amount ${String(amount)}`)
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: insurance,
    abi: Insurance.abi,
    functionName: 'fund',
    args: [insurer],
    value: amount,
  })
  return { txHash, blockNumber }
}
