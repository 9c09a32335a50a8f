import { poseidonHash } from '../../../zk/poseidon.ts'
import { AppointmentInputError } from './appointmentInputError.ts'
import { candidateExpiries } from '../../../core/insurance/credentialMonths.ts'
import type { PlanView } from '../../../core/insurance/planView.ts'

export type EnrolledAlreadyParameters = {
  commitments: readonly bigint[]
  plan: PlanView
  /** The end of the month the new cover would run to (unix seconds). */
  validUntil: bigint
  /** The insurer's member leaves as on chain (listMemberLeaves). */
  leaves: readonly bigint[]
  /** Unix seconds: cover that ended before this month is not looked for. */
  now: number
}

/**
 * For each commitment already enrolled in `plan` with cover through `validUntil` or
 * later, the latest month it is covered through. The chain holds only
 * Poseidon(commitment, planId, validUntil), so the insurer's page recomputes the leaf for
 * every month ahead, as the patient's app does to find its own credential.
 */
export function enrolledAlready({ commitments, plan, validUntil, leaves, now }: EnrolledAlreadyParameters): Map<bigint, bigint> {
  const onChain = new Set(leaves)
  const months = [...new Set([...candidateExpiries(now), validUntil])].filter((month) => month >= validUntil)
  const found = new Map<bigint, bigint>()
  for (const commitment of commitments) {
    for (const month of months) {
      if (!onChain.has(poseidonHash([commitment, plan.planId, month]))) continue
      if ((found.get(commitment) ?? 0n) < month) found.set(commitment, month)
    }
  }
  return found
}

export function monthOf(validUntil: bigint): string {
  return new Date(Number(validUntil) * 1000).toISOString().slice(0, 7)
}

/** Refuses an enrolment that would only add a useless second leaf, saying who (by line) and until when. */
export function refuseEnrolledAlready(found: ReadonlyMap<bigint, bigint>, commitments: readonly bigint[], plan: PlanView, field: 'identityCommitment' | 'identityCommitments'): void {
  if (found.size === 0) return
  if (field === 'identityCommitment') {
    const through = found.get(commitments[0]!)!
    throw new AppointmentInputError(
      field,
      `This patient is already enrolled in “${plan.name}”, covered through ${monthOf(through)}. To extend their cover, choose a later month.`,
    )
  }
  const lines = commitments.flatMap((commitment, i) => (found.has(commitment) ? [`line ${i + 1} (through ${monthOf(found.get(commitment)!)})`] : []))
  throw new AppointmentInputError(
    field,
    `Already enrolled in “${plan.name}” for that month or later: ${lines.join(', ')}. Remove ${lines.length === 1 ? 'that line' : 'those lines'}, or choose a later month to extend their cover.`,
  )
}
