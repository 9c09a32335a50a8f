import type { PlanView } from './planView.ts'

/**
 * Whether a credential (its plan and expiry) pays a slot (its fee in wei, its start in
 * unix seconds) in full: a top-up would have to come from somewhere that links to the patient.
 */
export function coversSlot(credential: { plan: Pick<PlanView, 'closed' | 'feeCovered'>; validUntil: bigint }, slot: { fee: bigint; start: number }): boolean {
  return !credential.plan.closed && slot.fee > 0n && credential.plan.feeCovered >= slot.fee && credential.validUntil >= BigInt(slot.start)
}
