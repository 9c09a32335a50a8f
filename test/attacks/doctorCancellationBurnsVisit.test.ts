// Attack: a doctor burns a member's covered visit.
// A member of a plan with one covered visit a period books a slot with their insurance.
// The doctor cancels it. The insurer's pool gets the fee back, but if the member's
// nullifier stays spent, the member has lost the period's covered visit without any
// visit: a doctor (or anyone who can get a covered booking refunded) could burn members'
// visits at will. After a doctor's cancellation or a refund the member must be able to
// book again with the same visit, with a real proof, on a real anvil.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { releaseProverThreads, stackAccounts, startPaymentsStack, type PaymentsStack } from '../support/paymentsStack.ts'
import { bookCovered } from '../../src/chain/appointments/bookCovered.ts'
import { manageBooking } from '../../src/chain/appointments/manageBooking.ts'
import { readSlot } from '../../src/chain/appointments/readSlot.ts'
import { Insurance } from '../../src/chain/generated/Insurance.ts'
import { cover, coveredMember, day, fee, travel, twoSlotsInOnePeriod } from './paymentsSupport.ts'

let stack: PaymentsStack
const identitySecret = 0xb0b5ec2e7n

beforeAll(async () => {
  stack = await startPaymentsStack()
}, 120_000)

afterAll(async () => {
  await releaseProverThreads()
  await stack?.stop()
})

it('after the doctor cancels a covered booking, and after an unconfirmed refund, the member books again with the same visit', async () => {
  const planId = await coveredMember(stack, identitySecret)
  const doctor = stack.wallet(stackAccounts.doctor)
  const first = stack.wallet(stackAccounts.relayer)
  const second = stack.wallet(stackAccounts.otherPatient)
  const isUsed = (nullifier: bigint) => stack.publicClient.readContract({ address: stack.insurance, abi: Insurance.abi, functionName: 'nullifierUsed', args: [nullifier] })

  const [a, b] = await twoSlotsInOnePeriod(stack, 3)
  const booked = await cover(stack, { identitySecret, planId, slot: a, k: 0, payer: first.account.address })
  await bookCovered(first, { appointments: stack.appointments, slotId: a.slotId, ...booked })
  await manageBooking(doctor, { appointments: stack.appointments, slotId: a.slotId, action: 'cancelByDoctor' })
  expect(await isUsed(booked.nullifier), 'the cancelled booking’s visit is free again').toBe(false)

  const again = await cover(stack, { identitySecret, planId, slot: b, k: 0, payer: second.account.address })
  await bookCovered(second, { appointments: stack.appointments, slotId: b.slotId, ...again })
  const slotB = await readSlot(stack.publicClient, { appointments: stack.appointments, slotId: b.slotId })
  expect(slotB).toMatchObject({ status: 'booked', covered: fee })

  // The doctor never confirms, the grace period passes: the refund gives the visit back too.
  await travel(stack, slotB.start + slotB.duration + 2 * day - Number((await stack.publicClient.getBlock()).timestamp) + 1)
  await manageBooking(stack.wallet(stackAccounts.deployer), { appointments: stack.appointments, slotId: b.slotId, action: 'refundUnconfirmed' })
  expect(await isUsed(again.nullifier), 'the refunded booking’s visit is free again').toBe(false)
}, 180_000)
