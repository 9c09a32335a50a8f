import type { PlanView } from './planView.ts'

/** The plan period a visit falls in, as Insurance.claim computes it (visitDate / periodLength). */
export function visitPeriod(plan: Pick<PlanView, 'periodLength'>, visitStart: number): bigint {
  return BigInt(visitStart) / BigInt(plan.periodLength)
}
