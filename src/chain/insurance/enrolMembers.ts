import { parseEventLogs, type Address, type Hash } from 'viem'
import { Insurance } from '../generated/Insurance.ts'
import { ChainInputError, UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'

const snarkScalarField = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** Insurance.MAX_ENROL_BATCH: the most leaves one enrolMany takes. */
export const maxEnrolBatch = 256

export type EnrolMembersParameters = {
  insurance: Address
  /** Credential leaves Poseidon(identityCommitment, planId, validUntil) (src/zk/credentialLeaf.ts), in the order they get indices. */
  leaves: readonly bigint[]
}
/** `root` is the tree's root after the last leaf: the only root of the batch that proofs may use. */
export type EnrolMembersReturnType = { firstIndex: bigint; root: bigint; txHash: Hash; blockNumber: bigint }

export type EnrolMembersErrorType = WriteChainErrorType | ChainInputError

/**
 * An insurer adds 1 to 256 members' credential leaves in one transaction (Insurance.enrolMany):
 * the same tree as enrolling them one by one, for a fraction of the gas.
 */
export async function enrolMembers(client: PaymentsWalletClient, { insurance, leaves }: EnrolMembersParameters): Promise<EnrolMembersReturnType> {
  if (!Array.isArray(leaves) || leaves.length === 0 || leaves.length > maxEnrolBatch) {
    throw new ChainInputError(`Enrol from 1 to ${maxEnrolBatch} members in one transaction.`, `${String(leaves?.length)} leaves`)
  }
  const bad = leaves.findIndex((leaf) => typeof leaf !== 'bigint' || leaf <= 0n || leaf >= snarkScalarField)
  if (bad !== -1) {
    throw new ChainInputError(
      `Member ${bad + 1} of the list has no valid credential. Ask that patient to show their identity code again.`,
      `leaf ${bad}: ${String(leaves[bad])}`,
    )
  }
  const sent = await sendTransaction(client, { address: insurance, abi: Insurance.abi, functionName: 'enrolMany', args: [leaves] })
  const [event] = parseEventLogs({ abi: Insurance.abi, eventName: 'MembersEnrolled', logs: sent.receipt.logs })
  if (!event || event.args.leaves.length !== leaves.length) {
    throw new UnexpectedChainDataError(`no MembersEnrolled event for ${leaves.length} leaves in transaction ${sent.txHash}`)
  }
  return { firstIndex: event.args.firstIndex, root: event.args.root, txHash: sent.txHash, blockNumber: sent.blockNumber }
}
