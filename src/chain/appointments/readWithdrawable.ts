import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { Appointments } from '../generated/Appointments.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from './paymentsClients.ts'

export type ReadWithdrawableParameters = { appointments: Address; account: Address }

export type ReadWithdrawableErrorType = ReadChainErrorType

/** Wei `account` can withdraw now. */
export async function readWithdrawable(client: PaymentsPublicClient, { appointments, account }: ReadWithdrawableParameters): Promise<bigint> {
  try {
    return await readContract(client, { address: appointments, abi: Appointments.abi, functionName: 'withdrawable', args: [account] })
  } catch (error) {
    throw toChainError(error, client)
  }
}
