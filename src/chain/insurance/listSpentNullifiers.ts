import type { Address } from 'viem'
import { getContractEvents } from 'viem/actions'
import { Insurance } from '../generated/Insurance.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from '../appointments/paymentsClients.ts'

export type ListSpentNullifiersParameters = { insurance: Address; insurer: Address; planId: bigint; fromBlock?: bigint }

export type ListSpentNullifiersErrorType = ReadChainErrorType

/**
 * Every nullifier of the plan that is spent now: claimed (CoverClaimed) and not given
 * back by a refund since (NullifierReleased). One log query for the whole plan, so the
 * RPC never sees which nullifiers are the patient's: asking about one's own unused
 * nullifier one by one would hand the RPC the next booking's nullifier in advance.
 */
export async function listSpentNullifiers(client: PaymentsPublicClient, { insurance, insurer, planId, fromBlock = 0n }: ListSpentNullifiersParameters): Promise<Set<bigint>> {
  try {
    const [claimed, released] = await Promise.all([
      getContractEvents(client, { address: insurance, abi: Insurance.abi, eventName: 'CoverClaimed', args: { insurer, planId }, fromBlock, strict: true }),
      getContractEvents(client, { address: insurance, abi: Insurance.abi, eventName: 'NullifierReleased', fromBlock, strict: true }),
    ])
    const events = [
      ...claimed.map((event) => ({ spent: true, nullifier: event.args.nullifier, block: event.blockNumber, index: event.logIndex })),
      ...released.map((event) => ({ spent: false, nullifier: event.args.nullifier, block: event.blockNumber, index: event.logIndex })),
    ].sort((a, b) => (a.block === b.block ? a.index - b.index : a.block < b.block ? -1 : 1))
    const spent = new Set<bigint>()
    for (const event of events) {
      if (event.spent) spent.add(event.nullifier)
      else spent.delete(event.nullifier)
    }
    return spent
  } catch (error) {
    throw toChainError(error, client)
  }
}
