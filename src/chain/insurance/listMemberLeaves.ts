import type { Address } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { UnexpectedChainDataError } from '../chainErrors.ts'
import { Insurance } from '../generated/Insurance.ts'
import { toPaymentsError } from '../appointments/paymentsErrors.ts'
import type { PaymentsPublicClient } from '../appointments/sendPaymentTransaction.ts'

export type ListMemberLeavesParameters = { insurance: Address; insurer: Address; fromBlock?: bigint }
/** Leaves in tree order: rebuild the tree with src/zk/memberTree.ts to make a membership proof. */
export type ListMemberLeavesReturnType = bigint[]

/**
 * Every leaf of `insurer`'s member tree, from the MemberEnrolled events, checked
 * against the contract's count so a truncated log answer cannot go unnoticed.
 */
export async function listMemberLeaves(
  client: PaymentsPublicClient,
  { insurance, insurer, fromBlock = 0n }: ListMemberLeavesParameters,
): Promise<ListMemberLeavesReturnType> {
  try {
    const [events, count] = await Promise.all([
      getContractEvents(client, { address: insurance, abi: Insurance.abi, eventName: 'MemberEnrolled', args: { insurer }, fromBlock, strict: true }),
      readContract(client, { address: insurance, abi: Insurance.abi, functionName: 'memberCount', args: [insurer] }),
    ])
    const leaves: bigint[] = []
    for (const event of events) {
      if (event.args.index !== BigInt(leaves.length)) {
        throw new UnexpectedChainDataError(`member ${leaves.length} missing from the logs (got index ${event.args.index})`)
      }
      leaves.push(event.args.leaf)
    }
    if (BigInt(leaves.length) < count) throw new UnexpectedChainDataError(`logs hold ${leaves.length} of ${count} members`)
    return leaves
  } catch (error) {
    throw toPaymentsError(error, client)
  }
}
