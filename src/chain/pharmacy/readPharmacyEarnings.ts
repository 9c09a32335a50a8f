import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { Pharmacy } from '../generated/Pharmacy.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from '../appointments/paymentsClients.ts'

export type ReadPharmacyEarningsParameters = { pharmacy: Address; pharmacist: Address }
export type ReadPharmacyEarningsErrorType = ReadChainErrorType

/** Wei `pharmacist` can withdraw now. */
export async function readPharmacyEarnings(client: PaymentsPublicClient, { pharmacy, pharmacist }: ReadPharmacyEarningsParameters): Promise<bigint> {
  try {
    return await readContract(client, { address: pharmacy, abi: Pharmacy.abi, functionName: 'withdrawable', args: [pharmacist] })
  } catch (error) {
    throw toChainError(error, client)
  }
}
