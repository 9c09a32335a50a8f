import type { Address } from 'viem'
import { bookingHash } from '../../chain/appointments/bookingHash.ts'
import { nullifierDomain } from '../../chain/appointments/nullifierDomain.ts'
import type { SlotView } from '../../chain/appointments/slotView.ts'
import { eligibilityDepth } from '../../zk/circuits.ts'
import { eligibilityInputs, type EligibilityInput } from '../../zk/eligibilityInputs.ts'
import { eligibilityNullifier } from '../../zk/eligibilityNullifier.ts'
import { memberTree } from '../../zk/memberTree.ts'
import { ProofInputError } from '../../zk/zkErrors.ts'
import type { MemberCredential } from './findCredentials.ts'
import { visitPeriod } from '../../core/insurance/visitPeriod.ts'
import type { PlanView } from '../../core/insurance/planView.ts'

/**
 * The first covered visit k of the slot's period whose nullifier is not spent yet, or
 * undefined when every visit of the period is used. `isNullifierUsed` answers from the
 * plan's spent nullifiers read in one query (listSpentNullifiers), never by asking the
 * RPC about one's own unused nullifiers, which would hand it the next booking's in advance.
 */
export async function firstUnusedVisit(p: {
  identitySecret: bigint
  /** nullifierDomain({ chainId, insurance }): this deployment's. */
  domain: bigint
  plan: PlanView
  visitStart: number
  isNullifierUsed: (nullifier: bigint) => Promise<boolean>
}): Promise<{ k: number; nullifier: bigint } | undefined> {
  const period = visitPeriod(p.plan, p.visitStart)
  for (let k = 0; k < p.plan.visitsPerPeriod; k++) {
    const nullifier = await eligibilityNullifier({ identitySecret: p.identitySecret, domain: p.domain, planId: p.plan.planId, period, k })
    if (!(await p.isNullifierUsed(nullifier))) return { k, nullifier }
  }
  return undefined
}

export type CoverInputParameters = {
  identitySecret: bigint
  credential: Pick<MemberCredential, 'validUntil' | 'leaf'> & { plan: Pick<PlanView, 'planId' | 'periodLength' | 'visitsPerPeriod'> }
  /** The insurer's member leaves in tree order, as read from the chain just now. */
  leaves: readonly bigint[]
  slot: Pick<SlotView, 'slotId' | 'doctor' | 'start'>
  k: number
  chainId: number
  appointments: Address
  insurance: Address
  /** The account that will send the booking: the proof is valid from it alone. */
  payer: Address
}

/**
 * The eligibility circuit's input for booking `slot` with `credential`, the member root
 * it proves against and the circuit's depth: the tree's own (eligibilityDepth of its
 * size), the same for every member, so it says nothing about which member proves.
 */
export async function coverInput(p: CoverInputParameters): Promise<{ input: EligibilityInput; root: bigint; depth: number }> {
  const { credential, slot } = p
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
    visitDate: slot.start,
    period: visitPeriod(credential.plan, slot.start),
    visitsPerPeriod: credential.plan.visitsPerPeriod,
    k: p.k,
    bookingHash: bookingHash({ slotId: slot.slotId, doctor: slot.doctor, appointments: p.appointments, chainId: p.chainId, payer: p.payer }),
    domain: nullifierDomain({ chainId: p.chainId, insurance: p.insurance }),
    depth,
  })
  return { input, root: merkleProof.root, depth }
}
