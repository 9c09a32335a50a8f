import type { Address, Hash } from 'viem'
import { ChainInputError } from '../chainErrors.ts'
import { Insurance } from '../generated/Insurance.ts'
import { sendPaymentTransaction, type PaymentsWalletClient } from '../appointments/sendPaymentTransaction.ts'

export type FundPoolParameters = { insurance: Address; insurer: Address; amount: bigint }
export type FundPoolReturnType = { txHash: Hash; blockNumber: bigint }

/** Adds `amount` wei to an insurer's pool (the insurer or anyone on its behalf). */
export async function fundPool(client: PaymentsWalletClient, { insurance, insurer, amount }: FundPoolParameters): Promise<FundPoolReturnType> {
  if (typeof amount !== 'bigint' || amount <= 0n) throw new ChainInputError('Enter an amount above zero.', `amount ${String(amount)}`)
  const { txHash, blockNumber } = await sendPaymentTransaction(client, {
    address: insurance,
    abi: Insurance.abi,
    functionName: 'fund',
    args: [insurer],
    value: amount,
  })
  return { txHash, blockNumber }
}
