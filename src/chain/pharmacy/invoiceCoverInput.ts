import type { Address } from 'viem'
import { eligibilityDepth } from '../../zk/circuits.ts'
import { eligibilityInputs, type EligibilityInput } from '../../zk/eligibilityInputs.ts'
import { eligibilityNullifier } from '../../zk/eligibilityNullifier.ts'
import { memberTree } from '../../zk/memberTree.ts'
import { ProofInputError } from '../../zk/zkErrors.ts'
import type { PlanView } from '../../core/insurance/planView.ts'
import { prescriptionCoverHash } from './prescriptionCoverHash.ts'
import { prescriptionNullifierDomain } from './prescriptionNullifierDomain.ts'
import type { InvoiceView } from './readInvoice.ts'
import type { PrescriptionCoverView } from './readPrescriptionCover.ts'

export type InvoiceCoverInputParameters = {
  identitySecret: bigint
  /** The member's credential: the plan, its leaf and validUntil (as covered bookings use it). */
  credential: { plan: Pick<PlanView, 'planId' | 'periodLength'>; leaf: bigint; validUntil: number | bigint }
  /** The plan's prescription terms (readPrescriptionCover). */
  cover: PrescriptionCoverView
  /** The insurer's member leaves in tree order, as read from the chain just now. */
  leaves: readonly bigint[]
  invoice: Pick<InvoiceView, 'invoiceId' | 'pharmacist' | 'dispenseDay'>
  /** Prescription nullifiers of the plan already spent (listSpentPrescriptionNullifiers). */
  spent: ReadonlySet<bigint>
  chainId: number
  pharmacy: Address
  insurance: Address
  /** The account that will send payInvoiceCovered: the proof is valid from it alone. */
  payer: Address
}

/** `depth`: the circuit to prove with, the insurer's tree's own (the same for every member). */
export type InvoiceCoverInputReturnType = { input: EligibilityInput; root: bigint; depth: number; nullifier: bigint; k: number }

/**
 * The eligibility circuit's input for paying `invoice` under the member's plan: the
 * first covered dispense k of the dispense day's period whose nullifier (prescription
 * domain) is not spent, the member's Merkle proof, and the binding to this invoice and
 * sender. The one place a covered prescription's proof input is made (prove it with the
 * eligibility prover, then payInvoiceCovered).
 * Throws ProofInputError when the plan does not cover prescriptions, every covered
 * dispense of the period is used, or the credential is not among the leaves.
 */
export async function invoiceCoverInput(p: InvoiceCoverInputParameters): Promise<InvoiceCoverInputReturnType> {
  const { credential, cover, invoice } = p
  if (cover.perPeriod === 0) throw new ProofInputError('Your plan does not cover prescriptions. Pay the invoice yourself.')
  const domain = prescriptionNullifierDomain({ chainId: p.chainId, insurance: p.insurance })
  const period = BigInt(invoice.dispenseDay) / BigInt(credential.plan.periodLength)
  let k = -1
  let nullifier = 0n
  for (let candidate = 0; candidate < cover.perPeriod; candidate++) {
    const value = await eligibilityNullifier({ identitySecret: p.identitySecret, domain, planId: credential.plan.planId, period, k: candidate })
    if (!p.spent.has(value)) {
      k = candidate
      nullifier = value
      break
    }
  }
  if (k < 0) {
    throw new ProofInputError(`You have used all ${cover.perPeriod} covered prescription${cover.perPeriod === 1 ? '' : 's'} of this period. Pay the invoice yourself.`)
  }
  const tree = await memberTree(p.leaves)
  const index = tree.indexOf(credential.leaf)
  if (index < 0) throw new ProofInputError('Your insurer’s member list no longer includes your credential. Ask your insurer.')
  const merkleProof = tree.generateProof(index)
  const depth = eligibilityDepth(tree.size)
  const input = eligibilityInputs({
    identitySecret: p.identitySecret,
    planId: credential.plan.planId,
    validUntil: credential.validUntil,
    merkleProof: { root: merkleProof.root, index: merkleProof.index, siblings: merkleProof.siblings },
    visitDate: invoice.dispenseDay,
    period,
    visitsPerPeriod: cover.perPeriod,
    k,
    bookingHash: prescriptionCoverHash({ invoiceId: invoice.invoiceId, pharmacist: invoice.pharmacist, pharmacy: p.pharmacy, chainId: p.chainId, payer: p.payer }),
    domain,
    depth,
  })
  return { input, root: merkleProof.root, depth, nullifier, k }
}
