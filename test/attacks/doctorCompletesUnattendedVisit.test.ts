// Attack: a doctor takes the fee of a visit that never happened.
// The patient books and pays; the doctor never confirms the booking, so the patient's
// page says it is waiting for the doctor, and the rules promise a refund 48 hours after
// the end of a booking the doctor never confirmed. If the doctor may mark any booking
// completed once its start has passed, the doctor skips the confirmation, completes the
// visit nobody attended and takes the fee. The doctor must not be able to complete a
// booking the patient never confirmed attending; the patient's refund must then come.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { stackAccounts, startPaymentsStack, type PaymentsStack } from '../support/paymentsStack.ts'
import { bookSlot } from '../../src/chain/appointments/bookSlot.ts'
import { manageBooking } from '../../src/chain/appointments/manageBooking.ts'
import { publishSlot } from '../../src/chain/appointments/publishSlot.ts'
import { readWithdrawable } from '../../src/chain/appointments/readWithdrawable.ts'
import { chainNow, day, fee, travel } from './paymentsSupport.ts'

let stack: PaymentsStack

beforeAll(async () => {
  stack = await startPaymentsStack()
}, 120_000)

afterAll(async () => {
  await stack?.stop()
})

it('a doctor cannot complete a booking the patient never confirmed attending, and the unconfirmed booking is refunded', async () => {
  const doctor = stack.wallet(stackAccounts.doctor)
  const patient = stack.wallet(stackAccounts.patient)
  const start = (await chainNow(stack)) + 2 * day
  const { slotId } = await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })
  await bookSlot(patient, { appointments: stack.appointments, slotId, fee })
  await travel(stack, start - (await chainNow(stack)) + 60)

  const attempt = await manageBooking(doctor, { appointments: stack.appointments, slotId, action: 'complete' }).then(
    () => 'completed',
    (error: { errorName?: string }) => error.errorName,
  )
  expect(attempt, 'the doctor completing an unattended, unconfirmed visit').toBe('Appointments__WrongStatus')
  expect(await readWithdrawable(stack.publicClient, { appointments: stack.appointments, account: doctor.account.address })).toBe(0n)

  await travel(stack, 1800 + 2 * day)
  await manageBooking(stack.wallet(stackAccounts.relayer), { appointments: stack.appointments, slotId, action: 'refundUnconfirmed' })
  expect(await readWithdrawable(stack.publicClient, { appointments: stack.appointments, account: patient.account.address })).toBe(fee)
})
