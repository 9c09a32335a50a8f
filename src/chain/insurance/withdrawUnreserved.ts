import type { Address, Hash } from 'viem'
import { ChainInputError } from '../chainErrors.ts'
import { Insurance } from '../generated/Insurance.ts'
import { sendPaymentTransaction, type PaymentsWalletClient } from '../appointments/sendPaymentTransaction.ts'

export type WithdrawUnreservedParameters = { insurance: Address; amount: bigint }
export type WithdrawUnreservedReturnType = { txHash: Hash; blockNumber: bigint }

/** The insurer takes back pool money not paid out for bookings. */
export async function withdrawUnreserved(
  client: PaymentsWalletClient,
  { insurance, amount }: WithdrawUnreservedParameters,
): Promise<WithdrawUnreservedReturnType> {
  if (typeof amount !== 'bigint' || amount <= 0n) throw new ChainInputError('Enter an amount above zero.', `amount ${String(amount)}`)
  const { txHash, blockNumber } = await sendPaymentTransaction(client, {
    address: insurance,
    abi: Insurance.abi,
    functionName: 'withdrawUnreserved',
    args: [amount],
  })
  return { txHash, blockNumber }
}
