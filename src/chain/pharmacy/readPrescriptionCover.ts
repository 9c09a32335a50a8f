import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { Insurance } from '../generated/Insurance.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from '../appointments/paymentsClients.ts'

/** What a plan covers of prescriptions; perPeriod 0: none. */
export type PrescriptionCoverView = { amountCovered: bigint; perPeriod: number }

export type ReadPrescriptionCoverParameters = { insurance: Address; planId: bigint }
export type ReadPrescriptionCoverErrorType = ReadChainErrorType

export async function readPrescriptionCover(client: PaymentsPublicClient, { insurance, planId }: ReadPrescriptionCoverParameters): Promise<PrescriptionCoverView> {
  try {
    const [amountCovered, perPeriod] = await readContract(client, { address: insurance, abi: Insurance.abi, functionName: 'prescriptionCover', args: [planId] })
    return { amountCovered, perPeriod }
  } catch (error) {
    throw toChainError(error, client)
  }
}
