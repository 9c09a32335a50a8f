import type { SlotStatus } from '../../../chain/appointments/slotView.ts'
import { formatDateTime } from '../../format.ts'

/** A slot's status in words, for the patient or the doctor. */
export function slotStatusText(status: SlotStatus, audience: 'patient' | 'doctor'): string {
  const patient = audience === 'patient'
  switch (status) {
    case 'none':
      return 'Unknown'
    case 'open':
      return 'Free'
    case 'booked':
      return patient ? 'Booked, waiting for the doctor to confirm' : 'Booked, not confirmed yet'
    case 'confirmed':
      return patient ? 'Confirmed by the doctor' : 'Confirmed, waiting for the patient to confirm attending'
    case 'attended':
      return patient ? 'You confirmed attending; the doctor can now complete it' : 'The patient confirmed attending: ready to complete'
    case 'completed':
      return patient ? 'Completed' : 'Completed, fee credited'
    case 'cancelledByPatient':
      // Not a stored state any more: a patient's cancellation reopens the slot.
      return patient ? 'Cancelled by you, refunded' : 'Cancelled by the patient'
    case 'cancelledByDoctor':
      return patient ? 'Cancelled by the doctor, refunded' : 'Cancelled by you'
    case 'noShowClaimed':
      return patient ? 'Attendance never confirmed: fee paid to the doctor (no-show)' : 'No-show: the patient never confirmed attending, fee credited'
    case 'refundedUnconfirmed':
      return 'Never confirmed by the doctor or the patient: refunded'
  }
}

/** "12 Mar 2027, 09:00 · 30 min". */
export function slotTimeText(start: number, duration: number): string {
  return `${formatDateTime(start)} · ${Math.round(duration / 60)} min`
}

export const cancelNotice = 86_400
export const gracePeriod = 2 * 86_400
