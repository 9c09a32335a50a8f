// Shared set-up of the payments attack tests: the real local stack of test/support/paymentsStack.ts
// (anvil, the deployment library, the real eligibility verifier),
// a plan with one member whose proofs are real Groth16 proofs.
import { parseEther, type Address } from 'viem'
import { proveCover, stackAccounts, type PaymentsStack } from '../support/paymentsStack.ts'
import { publishSlot } from '../../src/chain/appointments/publishSlot.ts'
import { createPlan } from '../../src/chain/insurance/createPlan.ts'
import { enrolMember } from '../../src/chain/insurance/enrolMember.ts'
import { fundPool } from '../../src/chain/insurance/fundPool.ts'
import { credentialLeaf } from '../../src/zk/credentialLeaf.ts'
import { identityCommitment } from '../../src/zk/identity.ts'

export const day = 86_400
export const fee = parseEther('0.05')
export const periodLength = 30 * day
export const validUntil = 4_000_000_000n

export async function chainNow(stack: PaymentsStack): Promise<number> {
  return Number((await stack.publicClient.getBlock()).timestamp)
}

export async function travel(stack: PaymentsStack, seconds: number): Promise<void> {
  await stack.testClient.increaseTime({ seconds })
  await stack.testClient.mine({ blocks: 1 })
}

/** A plan of `visitsPerPeriod` covered visits a period, the member `identitySecret` enrolled, the pool funded. */
export async function coveredMember(stack: PaymentsStack, identitySecret: bigint, visitsPerPeriod = 1): Promise<bigint> {
  const insurer = stack.wallet(stackAccounts.insurer)
  const { planId } = await createPlan(insurer, { insurance: stack.insurance, name: 'Attack plan', feeCovered: fee, visitsPerPeriod, periodLength })
  await enrolMember(insurer, { insurance: stack.insurance, leaf: 4242n })
  await enrolMember(insurer, { insurance: stack.insurance, leaf: await credentialLeaf({ identityCommitment: await identityCommitment(identitySecret), planId, validUntil }) })
  await fundPool(insurer, { insurance: stack.insurance, insurer: insurer.account.address, amount: parseEther('1') })
  return planId
}

/** Two slots of the doctor in one plan period, `daysAhead` days from now. */
export async function twoSlotsInOnePeriod(stack: PaymentsStack, daysAhead: number): Promise<[{ slotId: bigint; start: number }, { slotId: bigint; start: number }]> {
  const doctor = stack.wallet(stackAccounts.doctor)
  let start = (await chainNow(stack)) + daysAhead * day
  if (Math.floor((start + 3600) / periodLength) !== Math.floor(start / periodLength)) start -= 2 * 3600
  const a = await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })
  const b = await publishSlot(doctor, { appointments: stack.appointments, start: start + 3600, duration: 1800, fee })
  return [{ slotId: a.slotId, start }, { slotId: b.slotId, start: start + 3600 }]
}

/** The member's real proof for booking `slot` as visit `k`, sent from `payer`. */
export function cover(stack: PaymentsStack, p: { identitySecret: bigint; planId: bigint; slot: { slotId: bigint; start: number }; k: number; payer: Address }) {
  return proveCover(stack, {
    identitySecret: p.identitySecret, planId: p.planId, validUntil, slotId: p.slot.slotId, doctor: stack.wallet(stackAccounts.doctor).account.address,
    start: p.slot.start, periodLength, visitsPerPeriod: 1, k: p.k, payer: p.payer,
  })
}
