// Attack: locking a doctor's slot by booking and cancelling it.
// Anyone can book a free slot and cancel it more than 24 hours ahead for a full refund.
// If the cancelled slot stays "cancelled by the patient", nobody can book it again: for
// the price of two transactions' gas a griefer takes any slot (or a whole calendar) off
// the market, and the doctor must publish it again. After a patient's cancellation the
// slot must be open, and another patient must be able to book it.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { stackAccounts, startPaymentsStack, type PaymentsStack } from '../support/paymentsStack.ts'
import { bookSlot } from '../../src/chain/appointments/bookSlot.ts'
import { manageBooking } from '../../src/chain/appointments/manageBooking.ts'
import { publishSlot } from '../../src/chain/appointments/publishSlot.ts'
import { readSlot } from '../../src/chain/appointments/readSlot.ts'
import { readWithdrawable } from '../../src/chain/appointments/readWithdrawable.ts'
import { chainNow, day, fee } from './paymentsSupport.ts'

let stack: PaymentsStack

beforeAll(async () => {
  stack = await startPaymentsStack()
}, 120_000)

afterAll(async () => {
  await stack?.stop()
})

it('a slot booked and cancelled by a griefer is open again, and another patient books it', async () => {
  const doctor = stack.wallet(stackAccounts.doctor)
  const griefer = stack.wallet(stackAccounts.relayer)
  const patient = stack.wallet(stackAccounts.patient)
  const { slotId } = await publishSlot(doctor, { appointments: stack.appointments, start: (await chainNow(stack)) + 5 * day, duration: 1800, fee })
  await bookSlot(griefer, { appointments: stack.appointments, slotId, fee })
  await manageBooking(griefer, { appointments: stack.appointments, slotId, action: 'cancelByPatient' })
  expect(await readWithdrawable(stack.publicClient, { appointments: stack.appointments, account: griefer.account.address })).toBe(fee)

  expect((await readSlot(stack.publicClient, { appointments: stack.appointments, slotId })).status, 'the slot after the cancellation').toBe('open')
  await bookSlot(patient, { appointments: stack.appointments, slotId, fee })
  expect(await readSlot(stack.publicClient, { appointments: stack.appointments, slotId })).toMatchObject({ status: 'booked', payer: patient.account.address })
})
