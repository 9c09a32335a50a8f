import type { Address } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { Insurance } from '../generated/Insurance.ts'
import { type ReadChainErrorType, toChainError, UnexpectedChainDataError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from '../appointments/paymentsClients.ts'

export type ListMemberLeavesParameters = { insurance: Address; insurer: Address; fromBlock?: bigint }
/** Leaves in tree order: rebuild the tree with src/zk/memberTree.ts to make a membership proof. */
export type ListMemberLeavesReturnType = bigint[]

export type ListMemberLeavesErrorType = ReadChainErrorType

/**
 * Every leaf of `insurer`'s member tree, from the MemberEnrolled (enrol) and
 * MembersEnrolled (enrolMany) events, checked against the contract's count so a
 * truncated log answer cannot go unnoticed.
 */
export async function listMemberLeaves(
  client: PaymentsPublicClient,
  { insurance, insurer, fromBlock = 0n }: ListMemberLeavesParameters,
): Promise<ListMemberLeavesReturnType> {
  try {
    const [single, batches, count] = await Promise.all([
      getContractEvents(client, { address: insurance, abi: Insurance.abi, eventName: 'MemberEnrolled', args: { insurer }, fromBlock, strict: true }),
      getContractEvents(client, { address: insurance, abi: Insurance.abi, eventName: 'MembersEnrolled', args: { insurer }, fromBlock, strict: true }),
      readContract(client, { address: insurance, abi: Insurance.abi, functionName: 'memberCount', args: [insurer] }),
    ])
    // The two kinds interleave in any order: place each leaf at its index, then demand no gaps.
    const runs = [
      ...single.map((event) => ({ first: event.args.index, leaves: [event.args.leaf] as readonly bigint[] })),
      ...batches.map((event) => ({ first: event.args.firstIndex, leaves: event.args.leaves })),
    ].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))
    const leaves: bigint[] = []
    for (const run of runs) {
      if (run.first !== BigInt(leaves.length)) {
        throw new UnexpectedChainDataError(`member ${leaves.length} missing from the logs (got index ${run.first})`)
      }
      leaves.push(...run.leaves)
    }
    if (BigInt(leaves.length) < count) throw new UnexpectedChainDataError(`logs hold ${leaves.length} of ${count} members`)
    return leaves
  } catch (error) {
    throw toChainError(error, client)
  }
}
