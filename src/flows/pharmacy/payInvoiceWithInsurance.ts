import { formatEther, type Address, type Hash } from 'viem'
import { fundOneOffAccount, NoRelayerError } from '../../chain/fundOneOffAccount.ts'
import { toChainError } from '../../chain/chainErrors.ts'
import { listMemberLeaves } from '../../chain/insurance/listMemberLeaves.ts'
import { invoiceCoverInput } from '../../chain/pharmacy/invoiceCoverInput.ts'
import { listSpentPrescriptionNullifiers } from '../../chain/pharmacy/listSpentPrescriptionNullifiers.ts'
import { payInvoiceCovered } from '../../chain/pharmacy/payInvoiceCovered.ts'
import { readInvoice } from '../../chain/pharmacy/readInvoice.ts'
import { readPrescriptionCover } from '../../chain/pharmacy/readPrescriptionCover.ts'
import { proveInWorker, type ProverWorker } from '../../zk/proveInWorker.ts'
import { toCircuitInput } from '../../zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../../zk/toSolidityProof.ts'
import { ProofInputError } from '../../zk/zkErrors.ts'
import { oneOffGasAllowance } from '../appointments/oneOffSender.ts'
import { PaymentsUnavailableError, type CoveredBookingContext } from '../appointments/coveredBookingContext.ts'
import type { MemberCredential } from '../appointments/findCredentials.ts'
import { proofStep } from '../appointments/bookWithInsurance.ts'
import { PharmacyUnavailableError } from './pharmacyFlowErrors.ts'

export type PayInvoiceWithInsuranceParameters = {
  context: Pick<CoveredBookingContext, 'config' | 'chainId' | 'insurance' | 'fromBlock' | 'publicClient'> & { pharmacy: Address }
  identitySecret: bigint
  credential: MemberCredential
  invoiceId: bigint
  worker: ProverWorker
  /** Each step in words, with a percentage when one is known. */
  onStep: (text: string, percent?: number) => void
}

export type PayInvoiceWithInsuranceReturnType = { txHash: Hash; covered: bigint; topUp: bigint; payer: Address }

/**
 * Pays a pharmacy's invoice from the insurer's pool, as covered bookings do: checks the
 * plan covers prescriptions and a covered dispense of the period is left (the patient hears
 * why before any proof), funds a fresh one-off account that links to no one (it also carries
 * the top-up the plan does not cover), proves membership in the worker for this invoice and
 * that sender (the prescription nullifier domain, never the visits'), then sends it.
 */
export async function payInvoiceWithInsurance(p: PayInvoiceWithInsuranceParameters): Promise<PayInvoiceWithInsuranceReturnType> {
  const { context, credential, onStep } = p
  const { publicClient, insurance, pharmacy, chainId } = context
  onStep('Reading the invoice and your plan’s prescription cover')
  const [invoice, cover] = await Promise.all([readInvoice(publicClient, { pharmacy, invoiceId: p.invoiceId }), readPrescriptionCover(publicClient, { insurance, planId: credential.plan.planId })])
  if (invoice.status !== 'open') throw new PharmacyUnavailableError('This invoice is already paid.')
  if (cover.perPeriod === 0) throw new ProofInputError(`“${credential.plan.name}” does not cover prescriptions. Pay the invoice yourself.`)
  const covered = invoice.amount < cover.amountCovered ? invoice.amount : cover.amountCovered
  const topUp = invoice.amount - covered
  onStep('Checking which covered prescriptions of this period you have left')
  const [spent, leaves] = await Promise.all([
    listSpentPrescriptionNullifiers(publicClient, { insurance, insurer: credential.plan.insurer, planId: credential.plan.planId, fromBlock: context.fromBlock }),
    listMemberLeaves(publicClient, { insurance, insurer: credential.plan.insurer, fromBlock: context.fromBlock }),
  ])
  onStep(topUp > 0n ? `Funding a one-off account to send the payment (with the ${formatEther(topUp)} ETH your plan does not cover)` : 'Funding a one-off account to send the payment')
  let sender: Awaited<ReturnType<typeof fundOneOffAccount>>
  try {
    sender = await fundOneOffAccount(context.config, { allowance: oneOffGasAllowance + topUp, purpose: 'A covered prescription' })
  } catch (error) {
    if (error instanceof NoRelayerError) throw new PaymentsUnavailableError('Covered payments need a relayer to send them without your address, and this network has none. You can still pay the invoice yourself.')
    throw toChainError(error, publicClient)
  }
  const payer = sender.walletClient.account.address
  const { input, root, depth, nullifier } = await invoiceCoverInput({
    identitySecret: p.identitySecret, credential, cover, leaves, invoice, spent: new Set(spent), chainId, pharmacy, insurance, payer,
  })
  const result = await proveInWorker(p.worker, { circuit: 'eligibility', depth, input: toCircuitInput(input), onProgress: (progress) => onStep(...proofStep(progress)) })
  onStep('Sending the payment')
  const { txHash } = await payInvoiceCovered(sender.walletClient, { pharmacy, invoiceId: p.invoiceId, planId: credential.plan.planId, root, depth, nullifier, proof: toSolidityProof(result.proof), topUp })
  return { txHash, covered, topUp, payer }
}
