// Attack: linking one member's covered visits across deployments by their nullifiers.
// A nullifier is public (it is in every covered booking). If it is only
// Poseidon(identitySecret, planId, period, k), the same member booking the first visit
// of a period under plan 1 of two Salus deployments (a test network and production, two
// chains, a redeployed Insurance) publishes the same number on both: an observer who
// learns who booked on one learns who booked on the other. Here two Insurance and
// Appointments deployments share one anvil; the member books with real proofs on both,
// and the two nullifiers must differ.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { releaseProverThreads, stackAccounts, startPaymentsStack, type PaymentsStack } from '../support/paymentsStack.ts'
import { bookCovered } from '../../src/chain/appointments/bookCovered.ts'
import { deployPayments } from '../../src/chain/insurance/deployPayments.ts'
import { cover, coveredMember, twoSlotsInOnePeriod } from './paymentsSupport.ts'

let stack: PaymentsStack
const identitySecret = 0xca5e5ec2e7n

beforeAll(async () => {
  stack = await startPaymentsStack()
}, 120_000)

afterAll(async () => {
  await releaseProverThreads()
  await stack?.stop()
})

it('the same member, plan id, period and visit give unrelated nullifiers on two deployments', async () => {
  const payments = await deployPayments(stack.wallet(stackAccounts.deployer), { registry: stack.registry, eligibilityVerifier: stack.verifier })
  const other: PaymentsStack = { ...stack, insurance: payments.insurance.address, appointments: payments.appointments.address }
  const nullifiers: bigint[] = []
  for (const deployment of [stack, other]) {
    const planId = await coveredMember(deployment, identitySecret)
    expect(planId).toBe(1n)
    const [slot] = await twoSlotsInOnePeriod(deployment, 5)
    const sender = deployment === stack ? stack.wallet(stackAccounts.relayer) : stack.wallet(stackAccounts.otherPatient)
    const proof = await cover(deployment, { identitySecret, planId, slot, k: 0, payer: sender.account.address })
    await bookCovered(sender, { appointments: deployment.appointments, slotId: slot.slotId, ...proof })
    nullifiers.push(proof.nullifier)
  }
  expect(nullifiers[0], 'the two deployments’ nullifiers of one member').not.toBe(nullifiers[1])
}, 180_000)
