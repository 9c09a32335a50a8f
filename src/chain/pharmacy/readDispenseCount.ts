import type { Address, Hex } from 'viem'
import { readContract } from 'viem/actions'
import { Pharmacy } from '../generated/Pharmacy.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from '../appointments/paymentsClients.ts'

export type ReadDispenseCountParameters = { pharmacy: Address; rxHash: Hex }
export type ReadDispenseCountErrorType = ReadChainErrorType

/** How many times prescription `rxHash` was dispensed (repeats left = repeats + 1 − this). */
export async function readDispenseCount(client: PaymentsPublicClient, { pharmacy, rxHash }: ReadDispenseCountParameters): Promise<number> {
  try {
    return Number(await readContract(client, { address: pharmacy, abi: Pharmacy.abi, functionName: 'dispenseCount', args: [rxHash] }))
  } catch (error) {
    throw toChainError(error, client)
  }
}
