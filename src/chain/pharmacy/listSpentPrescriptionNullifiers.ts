import type { Address } from 'viem'
import { getContractEvents } from 'viem/actions'
import { Insurance } from '../generated/Insurance.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from '../appointments/paymentsClients.ts'

export type ListSpentPrescriptionNullifiersParameters = { insurance: Address; insurer: Address; planId: bigint; fromBlock?: bigint }
export type ListSpentPrescriptionNullifiersErrorType = ReadChainErrorType

/**
 * Every prescription nullifier of the plan spent so far, in one log query: the RPC never
 * learns which of them are the patient's (asking one by one would tell it the next).
 * Covered dispenses are never refunded, so a spent nullifier stays spent.
 */
export async function listSpentPrescriptionNullifiers(
  client: PaymentsPublicClient,
  { insurance, insurer, planId, fromBlock = 0n }: ListSpentPrescriptionNullifiersParameters,
): Promise<Set<bigint>> {
  try {
    const claimed = await getContractEvents(client, { address: insurance, abi: Insurance.abi, eventName: 'PrescriptionCoverClaimed', args: { insurer, planId }, fromBlock, strict: true })
    return new Set(claimed.map((event) => event.args.nullifier))
  } catch (error) {
    throw toChainError(error, client)
  }
}
