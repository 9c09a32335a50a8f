import { listSlots } from '../../../chain/appointments/listSlots.ts'
import { manageBooking, type BookingAction } from '../../../chain/appointments/manageBooking.ts'
import { publishSlot } from '../../../chain/appointments/publishSlot.ts'
import { readWithdrawable } from '../../../chain/appointments/readWithdrawable.ts'
import type { SlotView } from '../../../chain/appointments/slotView.ts'
import { withdrawPayments } from '../../../chain/appointments/withdrawPayments.ts'
import { reportError } from '../reportError.ts'
import { ActionStatus } from './ActionStatus.svelte.ts'
import { AppointmentInputError } from './appointmentInputError.ts'
import { formatEth, parseEthAmount } from './ethAmount.ts'
import type { PaymentContext } from './paymentContext.ts'
import { readReceipts, type Receipt } from './readReceipts.ts'

const actionText: Record<BookingAction, string> = {
  confirm: 'Confirmed',
  complete: 'Completed',
  cancelByDoctor: 'Cancelled',
  claimNoShow: 'Claimed the no-show fee for',
  cancelByPatient: 'Cancelled',
  confirmAttendance: 'Confirmed attendance at',
  refundUnconfirmed: 'Refunded',
}

/** A datetime-local value (the browser's time zone) → unix seconds. */
export function startFromInput(value: string): number {
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) ? new Date(value).getTime() : Number.NaN
  if (!Number.isFinite(time)) throw new AppointmentInputError('start', 'Choose the date and time the appointment starts.')
  return Math.floor(time / 1000)
}

/** Unix seconds → a datetime-local value in the browser's time zone. */
export function inputFromStart(seconds: number): string {
  const date = new Date(seconds * 1000)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}

/** The doctor's Schedule page: publish slots, manage bookings, earnings and withdrawal. */
export class DoctorSchedule {
  slots = $state.raw<SlotView[]>([])
  earnings = $state(0n)
  receipts = $state.raw<Receipt[]>([])
  now = $state(0)
  loading = $state(true)
  loadError = $state('')
  form = $state({ start: '', minutes: '30', fee: '0.05' })
  formError = $state<{ field: string; message: string } | undefined>()
  readonly status = new ActionStatus()

  constructor(private readonly context: PaymentContext) {}

  async load(): Promise<void> {
    try {
      await this.refresh()
      // A default start two days ahead on the hour, by the chain's clock.
      this.form.start = inputFromStart(Math.ceil((this.now + 2 * 86_400) / 3600) * 3600)
    } catch (error) {
      this.loadError = reportError(error, 'loading the schedule')
    } finally {
      this.loading = false
    }
  }

  async refresh(): Promise<void> {
    const { publicClient, appointments, fromBlock, account } = this.context
    const [block, slots, earnings, receipts] = await Promise.all([
      publicClient.getBlock(),
      listSlots(publicClient, { appointments, doctor: account, fromBlock }),
      readWithdrawable(publicClient, { appointments, account }),
      readReceipts(publicClient, { appointments, accounts: [account], doctor: account, fromBlock }),
    ])
    this.now = Number(block.timestamp)
    this.slots = slots.sort((a, b) => a.start - b.start)
    this.earnings = earnings
    this.receipts = receipts
  }

  async publish(): Promise<void> {
    this.formError = undefined
    let start: number, duration: number, fee: bigint
    try {
      start = startFromInput(this.form.start)
      const minutes = Number(this.form.minutes)
      if (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440) throw new AppointmentInputError('minutes', 'A slot lasts between 5 and 1,440 minutes.')
      duration = minutes * 60
      fee = parseEthAmount(this.form.fee, { field: 'fee', allowZero: true })
    } catch (error) {
      if (error instanceof AppointmentInputError) this.formError = { field: error.field, message: error.shortMessage }
      else throw error
      return
    }
    const { walletClient, appointments } = this.context
    await this.status.run(
      'Publishing the slot',
      async () => {
        await this.context.ensureChain()
        const result = await publishSlot(walletClient, { appointments, start, duration, fee })
        await this.refresh()
        return result
      },
      ({ slotId, txHash }) => ({ text: `Published slot #${slotId} for ${formatEth(fee)}.`, txHash }),
    )
  }

  async act(slot: SlotView, action: BookingAction): Promise<void> {
    const { walletClient, appointments } = this.context
    await this.status.run(
      `${actionText[action]} slot #${slot.slotId}`,
      async () => {
        await this.context.ensureChain()
        const result = await manageBooking(walletClient, { appointments, slotId: slot.slotId, action })
        await this.refresh()
        return result
      },
      ({ txHash }) => ({ text: `${actionText[action]} slot #${slot.slotId}.`, txHash }),
    )
  }

  async withdraw(): Promise<void> {
    const { walletClient, appointments } = this.context
    await this.status.run(
      'Withdrawing earnings',
      async () => {
        await this.context.ensureChain()
        const result = await withdrawPayments(walletClient, { appointments })
        await this.refresh()
        return result
      },
      ({ amount, txHash }) => ({ text: `Sent ${formatEth(amount)} to your account.`, txHash }),
    )
  }
}
