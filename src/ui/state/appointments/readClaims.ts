import type { Address, Hash } from 'viem'
import { getContractEvents } from 'viem/actions'
import { Insurance } from '../../../chain/generated/Insurance.ts'
import { toChainError } from '../../../chain/chainErrors.ts'
import type { PaymentsPublicClient } from '../../../chain/appointments/paymentsClients.ts'

/**
 * A claim on an insurer's pool as the insurer sees it: which plan, which slot, how
 * much. Nothing says which member: the chain does not know.
 */
export type ClaimView = { planId: bigint; slotId: bigint; amount: bigint; txHash: Hash; blockNumber: bigint }
/** Money moving in or out of the pool besides claims. */
export type PoolMovement = { kind: 'funded' | 'withdrawn' | 'returned'; amount: bigint; txHash: Hash; blockNumber: bigint }

export type ReadClaimsParameters = { insurance: Address; insurer: Address; fromBlock?: bigint }

/** An insurer's claims and pool movements, newest first. */
export async function readClaims(
  client: PaymentsPublicClient,
  { insurance, insurer, fromBlock = 0n }: ReadClaimsParameters,
): Promise<{ claims: ClaimView[]; movements: PoolMovement[] }> {
  try {
    const common = { address: insurance, abi: Insurance.abi, fromBlock, strict: true, args: { insurer } } as const
    const [claimed, funded, withdrawn, returned] = await Promise.all([
      getContractEvents(client, { ...common, eventName: 'CoverClaimed' }),
      getContractEvents(client, { ...common, eventName: 'PoolFunded' }),
      getContractEvents(client, { ...common, eventName: 'PoolWithdrawn' }),
      getContractEvents(client, { ...common, eventName: 'CoverReturned' }),
    ])
    const at = (event: { transactionHash: Hash; blockNumber: bigint }) => ({ txHash: event.transactionHash, blockNumber: event.blockNumber })
    const newest = <T extends { blockNumber: bigint }>(list: T[]) => list.sort((a, b) => Number(b.blockNumber - a.blockNumber))
    return {
      claims: newest(claimed.map((e) => ({ planId: e.args.planId, slotId: e.args.slotId, amount: e.args.amount, ...at(e) }))),
      movements: newest([
        ...funded.map((e) => ({ kind: 'funded' as const, amount: e.args.amount, ...at(e) })),
        ...withdrawn.map((e) => ({ kind: 'withdrawn' as const, amount: e.args.amount, ...at(e) })),
        ...returned.map((e) => ({ kind: 'returned' as const, amount: e.args.amount, ...at(e) })),
      ]),
    }
  } catch (error) {
    throw toChainError(error, client)
  }
}
