import { parseEventLogs, type Address, type Hash } from 'viem'
import { Insurance } from '../generated/Insurance.ts'
import { ChainInputError, UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'

const snarkScalarField = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

export type EnrolMemberParameters = {
  insurance: Address
  /** Poseidon(identityCommitment, planId, validUntil): src/zk/credentialLeaf.ts. */
  leaf: bigint
}
export type EnrolMemberReturnType = { index: bigint; root: bigint; txHash: Hash; blockNumber: bigint }

export type EnrolMemberErrorType = WriteChainErrorType | ChainInputError

/** An insurer adds a member's credential leaf to its member tree. */
export async function enrolMember(client: PaymentsWalletClient, { insurance, leaf }: EnrolMemberParameters): Promise<EnrolMemberReturnType> {
  if (typeof leaf !== 'bigint' || leaf <= 0n || leaf >= snarkScalarField) {
    throw new ChainInputError('This member credential is not valid. Ask the patient to show their identity code again.', `leaf ${String(leaf)}`)
  }
  const sent = await sendTransaction(client, { address: insurance, abi: Insurance.abi, functionName: 'enrol', args: [leaf] })
  const [event] = parseEventLogs({ abi: Insurance.abi, eventName: 'MemberEnrolled', logs: sent.receipt.logs })
  if (!event) throw new UnexpectedChainDataError(`no MemberEnrolled event in transaction ${sent.txHash}`)
  return { index: event.args.index, root: event.args.root, txHash: sent.txHash, blockNumber: sent.blockNumber }
}
