import type { Address } from 'viem'
import { poseidonHash } from '../../zk/poseidon.ts'
import { candidateExpiries } from '../../core/insurance/credentialMonths.ts'
import type { PlanView } from '../../core/insurance/planView.ts'

/** A member credential the patient's app found in an insurer's tree. */
export type MemberCredential = {
  plan: PlanView
  validUntil: bigint
  leaf: bigint
  /** The leaf's position in the insurer's member tree. */
  index: number
}

export type FindCredentialsParameters = {
  identityCommitment: bigint
  plans: readonly PlanView[]
  /** Each insurer's member leaves in tree order (listMemberLeaves), by lower-case address. */
  leavesByInsurer: ReadonlyMap<string, readonly bigint[]>
  /** Unix seconds: credentials expiring before this month are not looked for. */
  now: number
}

/**
 * The patient's credentials, found by recomputing Poseidon(commitment, planId, validUntil)
 * for every open plan and every end-of-month expiry ahead and looking it up among the
 * leaves. The insurer tells the patient nothing; the chain reveals nothing about who.
 */
export function findCredentials({ identityCommitment, plans, leavesByInsurer, now }: FindCredentialsParameters): MemberCredential[] {
  const expiries = candidateExpiries(now)
  const found: MemberCredential[] = []
  for (const plan of plans) {
    if (plan.closed) continue
    const leaves = leavesByInsurer.get(plan.insurer.toLowerCase() as Address)
    if (!leaves?.length) continue
    const positions = new Map<bigint, number>()
    leaves.forEach((leaf, index) => {
      if (!positions.has(leaf)) positions.set(leaf, index)
    })
    for (const validUntil of expiries) {
      const leaf = poseidonHash([identityCommitment, plan.planId, validUntil])
      const index = positions.get(leaf)
      if (index !== undefined) found.push({ plan, validUntil, leaf, index })
    }
  }
  // The longest-running credential of each plan first.
  return found.sort((a, b) => (a.plan.planId === b.plan.planId ? Number(b.validUntil - a.validUntil) : Number(a.plan.planId - b.plan.planId)))
}
