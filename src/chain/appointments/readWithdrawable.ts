import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { Appointments } from '../generated/Appointments.ts'
import { toPaymentsError } from './paymentsErrors.ts'
import type { PaymentsPublicClient } from './sendPaymentTransaction.ts'

export type ReadWithdrawableParameters = { appointments: Address; account: Address }

/** Wei `account` can withdraw now. */
export async function readWithdrawable(client: PaymentsPublicClient, { appointments, account }: ReadWithdrawableParameters): Promise<bigint> {
  try {
    return await readContract(client, { address: appointments, abi: Appointments.abi, functionName: 'withdrawable', args: [account] })
  } catch (error) {
    throw toPaymentsError(error, client)
  }
}
