import type { Address } from 'viem'
import { UnexpectedChainDataError } from '../chainErrors.ts'

/** Appointments.Status, by index. */
export const slotStatuses = [
  'none',
  'open',
  'booked',
  'confirmed',
  'completed',
  'cancelledByPatient',
  'cancelledByDoctor',
  'noShowClaimed',
  'refundedUnconfirmed',
  'attended',
] as const
export type SlotStatus = (typeof slotStatuses)[number]

/** One slot as the app shows it; amounts in wei. */
export type SlotView = {
  slotId: bigint
  doctor: Address
  /** Unix seconds. */
  start: number
  /** Seconds. */
  duration: number
  status: SlotStatus
  fee: bigint
  /** The account that booked (for a covered booking: whichever account sent it). */
  payer: Address | undefined
  /** Part of the fee paid from an insurer's pool. */
  covered: bigint
  insurer: Address | undefined
}

const zeroAddress = '0x0000000000000000000000000000000000000000'

/** Appointments.getSlot output → SlotView, rejecting a status this app does not know. */
export function toSlotView(
  slotId: bigint,
  raw: { doctor: Address; start: number; duration: number; status: number; fee: bigint; payer: Address; covered: bigint; insurer: Address },
): SlotView {
  const status = slotStatuses[raw.status]
  if (status === undefined || status === 'none') throw new UnexpectedChainDataError(`slot ${slotId} has status ${raw.status}`)
  return {
    slotId,
    doctor: raw.doctor,
    start: raw.start,
    duration: raw.duration,
    status,
    fee: raw.fee,
    payer: raw.payer === zeroAddress ? undefined : raw.payer,
    covered: raw.covered,
    insurer: raw.insurer === zeroAddress ? undefined : raw.insurer,
  }
}
