import type { Address, Hash } from 'viem'
import { Appointments } from '../generated/Appointments.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from './paymentsClients.ts'
import type { WriteChainErrorType } from '../chainErrors.ts'
import { paymentsErrorAbi } from './paymentsErrorAbi.ts'

/** A Groth16 proof in the verifier's calldata order (src/zk/toSolidityProof.ts). */
export type CoverProof = {
  a: readonly [bigint, bigint]
  b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]]
  c: readonly [bigint, bigint]
}

export type BookCoveredParameters = {
  appointments: Address
  slotId: bigint
  planId: bigint
  /** The member root the proof was made against (one of the insurer's recent roots). */
  root: bigint
  /** The depth of the circuit the proof was made with (eligibilityDepth of the member tree's size). */
  depth: number
  /** The proof's first public signal. */
  nullifier: bigint
  proof: CoverProof
  /** What the plan does not cover: slot fee − feeCovered when positive, else 0. */
  topUp?: bigint
}
export type BookCoveredReturnType = { txHash: Hash; blockNumber: bigint }

export type BookCoveredErrorType = WriteChainErrorType

/**
 * Books a slot paid from the insurer's pool. Send it from an account that is not the
 * patient's usual one (any funded account works): nothing in it names the patient.
 */
export async function bookCovered(
  client: PaymentsWalletClient,
  { appointments, slotId, planId, root, depth, nullifier, proof, topUp = 0n }: BookCoveredParameters,
): Promise<BookCoveredReturnType> {
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: appointments,
    abi: Appointments.abi,
    functionName: 'bookCovered',
    args: [slotId, { planId, root, depth: BigInt(depth), nullifier, proof: { pA: proof.a, pB: proof.b, pC: proof.c } }],
    value: topUp,
  }, { errorAbi: paymentsErrorAbi })
  return { txHash, blockNumber }
}
