import type { Address, Hash } from 'viem'
import { Pharmacy } from '../generated/Pharmacy.ts'
import type { WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'
import type { CoverProof } from '../appointments/bookCovered.ts'
import { pharmacyErrorAbi } from './pharmacyErrorAbi.ts'

export type PayInvoiceCoveredParameters = {
  pharmacy: Address
  invoiceId: bigint
  planId: bigint
  /** The member root the proof was made against (one of the insurer's recent roots). */
  root: bigint
  /** The depth of the circuit the proof was made with (invoiceCoverInput's). */
  depth: number
  /** The proof's first public signal (in the prescription nullifier domain). */
  nullifier: bigint
  proof: CoverProof
  /** What the plan does not cover: invoice amount − amountCovered when positive, else 0. */
  topUp?: bigint
}
export type PayInvoiceCoveredReturnType = { txHash: Hash; blockNumber: bigint }
export type PayInvoiceCoveredErrorType = WriteChainErrorType

/**
 * Pays an invoice from the insurer's pool with an eligibility proof made for this
 * invoice and this sender (invoiceCoverInput). Send it from a one-off account, never
 * the patient's: nothing in it names the patient.
 */
export async function payInvoiceCovered(
  client: PaymentsWalletClient,
  { pharmacy, invoiceId, planId, root, depth, nullifier, proof, topUp = 0n }: PayInvoiceCoveredParameters,
): Promise<PayInvoiceCoveredReturnType> {
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: pharmacy,
    abi: Pharmacy.abi,
    functionName: 'payInvoiceCovered',
    args: [invoiceId, { planId, root, depth: BigInt(depth), nullifier, proof: { pA: proof.a, pB: proof.b, pC: proof.c } }],
    value: topUp,
  }, { errorAbi: pharmacyErrorAbi })
  return { txHash, blockNumber }
}
