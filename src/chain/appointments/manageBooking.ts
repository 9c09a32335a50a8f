import type { Address, Hash } from 'viem'
import { Appointments } from '../generated/Appointments.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from './paymentsClients.ts'
import type { WriteChainErrorType } from '../chainErrors.ts'
import { paymentsErrorAbi } from './paymentsErrorAbi.ts'

/**
 * What can happen to a booking after it is made, and who may do it:
 * - confirm, cancelByDoctor: the slot's doctor;
 * - complete: the slot's doctor, once the patient confirmed attending;
 * - claimNoShow: the slot's doctor, 48 h after the end of a booking they confirmed and the patient never confirmed attending;
 * - cancelByPatient: the account that booked, at least 24 h before the start (the slot opens again);
 * - confirmAttendance: the account that booked, from the start until 48 h after the end;
 * - refundUnconfirmed: anyone, 48 h after the end of a booking neither side confirmed.
 */
export type BookingAction = 'confirm' | 'complete' | 'cancelByDoctor' | 'cancelByPatient' | 'confirmAttendance' | 'claimNoShow' | 'refundUnconfirmed'

export type ManageBookingParameters = { appointments: Address; slotId: bigint; action: BookingAction }
export type ManageBookingReturnType = { txHash: Hash; blockNumber: bigint }

const actions = new Set<BookingAction>(['confirm', 'complete', 'cancelByDoctor', 'cancelByPatient', 'confirmAttendance', 'claimNoShow', 'refundUnconfirmed'])

export type ManageBookingErrorType = WriteChainErrorType

/** Confirms, completes, cancels or settles a booking; refunds and earnings become withdrawable. */
export async function manageBooking(
  client: PaymentsWalletClient,
  { appointments, slotId, action }: ManageBookingParameters,
): Promise<ManageBookingReturnType> {
  if (!actions.has(action)) throw new TypeError(`unknown booking action ${String(action)}`)
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: appointments,
    abi: Appointments.abi,
    functionName: action,
    args: [slotId],
  }, { errorAbi: paymentsErrorAbi })
  return { txHash, blockNumber }
}
