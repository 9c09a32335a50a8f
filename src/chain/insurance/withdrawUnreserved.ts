import type { Address, Hash } from 'viem'
import { Insurance } from '../generated/Insurance.ts'
import { ChainInputError, type WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'

export type WithdrawUnreservedParameters = { insurance: Address; amount: bigint }
export type WithdrawUnreservedReturnType = { txHash: Hash; blockNumber: bigint }

export type WithdrawUnreservedErrorType = WriteChainErrorType | ChainInputError

/** The insurer takes back pool money not paid out for bookings. */
export async function withdrawUnreserved(
  client: PaymentsWalletClient,
  { insurance, amount }: WithdrawUnreservedParameters,
): Promise<WithdrawUnreservedReturnType> {
  if (typeof amount !== 'bigint' || amount <= 0n) throw new ChainInputError('Enter an amount above zero.', `amount ${String(amount)}`)
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: insurance,
    abi: Insurance.abi,
    functionName: 'withdrawUnreserved',
    args: [amount],
  })
  return { txHash, blockNumber }
}
