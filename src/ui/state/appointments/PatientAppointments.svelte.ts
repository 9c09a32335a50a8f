import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { bookSlot } from '../../../chain/appointments/bookSlot.ts'
import { listSlots } from '../../../chain/appointments/listSlots.ts'
import { manageBooking } from '../../../chain/appointments/manageBooking.ts'
import { readWithdrawable } from '../../../chain/appointments/readWithdrawable.ts'
import type { SlotView } from '../../../chain/appointments/slotView.ts'
import { withdrawPayments } from '../../../chain/appointments/withdrawPayments.ts'
import { createSalusClients } from '../../../chain/createSalusClients.ts'
import { listMemberLeaves } from '../../../chain/insurance/listMemberLeaves.ts'
import { listProviders } from '../../../chain/listProviders.ts'
import { identityCommitment } from '../../../zk/identity.ts'
import { createProverWorker } from '../../../zk/proveInWorker.ts'
import { formatEth } from './ethAmount.ts'
import { reportError } from '../reportError.ts'
import { ActionStatus } from './ActionStatus.svelte.ts'
import { bookWithInsurance } from '../../../flows/appointments/bookWithInsurance.ts'
import { coversSlot } from '../../../core/insurance/coversSlot.ts'
import { loadCoveredBookingKeys, saveCoveredBookingKeys, type CoveredBookingKey, type KeyStorage } from '../../../flows/appointments/coveredBookingKeys.ts'
import { findCredentials, type MemberCredential } from '../../../flows/appointments/findCredentials.ts'
import { identityCardText } from './identityCard.ts'
import type { PaymentContext } from './paymentContext.ts'
import { readPlans } from '../../../chain/insurance/readPlans.ts'
import { readReceipts, type Receipt } from './readReceipts.ts'

/** A slot this patient booked, and whether it was paid by them or by their insurer. */
export type PatientBooking = SlotView & { coveredKey: CoveredBookingKey | undefined }

/** Where a covered booking's proof is: shown step by step while the patient waits. */
export type CoverStep = { slotId: bigint; text: string; percent: number | undefined }

/** The patient's Appointments page: free slots, booking (paid or covered), cancelling, receipts, the insurance card. */
export class PatientAppointments {
  doctors = $state.raw<{ account: Address; name: string; detail: string }[]>([])
  doctor = $state<Address | ''>('')
  openSlots = $state.raw<SlotView[]>([])
  bookings = $state.raw<PatientBooking[]>([])
  receipts = $state.raw<Receipt[]>([])
  refundable = $state(0n)
  credentials = $state.raw<MemberCredential[]>([])
  coverChecked = $state(false)
  cardText = $state('')
  /** Chain time (unix seconds) at the last refresh: slot times are judged by the chain's clock. */
  now = $state(0)
  loading = $state(true)
  loadError = $state('')
  cover = $state.raw<CoverStep | undefined>()
  readonly status = new ActionStatus()
  private worker: Worker | undefined
  private keys: CoveredBookingKey[] = []
  private leavesByInsurer = new Map<string, bigint[]>()

  constructor(
    private readonly context: PaymentContext,
    private readonly identitySecret: bigint,
    private readonly vaultKey: Uint8Array,
    private readonly storage: KeyStorage = localStorage,
  ) {}

  async load(): Promise<void> {
    const { publicClient, config } = this.context
    try {
      this.keys = loadCoveredBookingKeys(this.storage, this.context.account, this.vaultKey)
      this.cardText = identityCardText(await identityCommitment(this.identitySecret))
      const doctors = await listProviders(publicClient, { registry: config.contracts.Registry.address, role: 'doctor' })
      this.doctors = doctors.map((d) => ({ account: d.account, name: d.name, detail: [d.specialty, d.hospital].filter(Boolean).join(', ') }))
      await this.refresh()
    } catch (error) {
      this.loadError = reportError(error, 'loading appointments')
    } finally {
      this.loading = false
    }
  }

  /** Re-reads slots, bookings, refunds and receipts from the chain. */
  async refresh(): Promise<void> {
    const { publicClient, appointments, fromBlock, account } = this.context
    const [block, slots, refundable] = await Promise.all([
      publicClient.getBlock(),
      listSlots(publicClient, { appointments, fromBlock }),
      readWithdrawable(publicClient, { appointments, account }),
    ])
    this.now = Number(block.timestamp)
    const mine = new Map<string, CoveredBookingKey | undefined>([[account.toLowerCase(), undefined]])
    for (const key of this.keys) mine.set(key.address.toLowerCase(), key)
    this.openSlots = slots.filter((slot) => slot.status === 'open' && slot.start > this.now).sort((a, b) => a.start - b.start)
    this.bookings = slots
      .filter((slot) => slot.payer && mine.has(slot.payer.toLowerCase()))
      .map((slot) => ({ ...slot, coveredKey: mine.get(slot.payer!.toLowerCase()) }))
      .sort((a, b) => b.start - a.start)
    this.refundable = refundable
    this.receipts = await readReceipts(publicClient, { appointments, accounts: [...mine.keys()] as Address[], fromBlock })
  }

  doctorName(account: Address): string {
    return this.doctors.find((d) => d.account.toLowerCase() === account.toLowerCase())?.name ?? account
  }

  /** Books and pays the exact fee from the patient's own account. */
  async book(slot: SlotView): Promise<void> {
    const { walletClient, appointments } = this.context
    await this.status.run(
      'Booking and paying',
      async () => {
        await this.context.ensureChain()
        const result = await bookSlot(walletClient, { appointments, slotId: slot.slotId, fee: slot.fee })
        await this.refresh()
        return result
      },
      ({ txHash }) => ({ text: `Booked slot #${slot.slotId} and paid ${formatEth(slot.fee)} into escrow.`, txHash }),
    )
  }

  /** Finds the patient's credentials in the insurers' member trees (the insurer sends nothing). */
  async findCover(): Promise<void> {
    const { publicClient, insurance, fromBlock } = this.context
    await this.status.run('Looking for your insurance', async () => {
      const plans = await readPlans(publicClient, { insurance, fromBlock })
      const insurers = [...new Set(plans.map((plan) => plan.insurer.toLowerCase() as Address))]
      this.leavesByInsurer = new Map(
        await Promise.all(insurers.map(async (insurer) => [insurer, await listMemberLeaves(publicClient, { insurance, insurer, fromBlock })] as const)),
      )
      const commitment = await identityCommitment(this.identitySecret)
      this.credentials = findCredentials({ identityCommitment: commitment, plans, leavesByInsurer: this.leavesByInsurer, now: this.now || Math.floor(Date.now() / 1000) })
      this.coverChecked = true
    })
  }

  covers(credential: MemberCredential, slot: SlotView): boolean {
    return coversSlot(credential, slot)
  }

  /** Books `slot` paid from the insurer's pool, sent from a one-off account (see bookWithInsurance). */
  async bookCovered(slot: SlotView, credential: MemberCredential): Promise<void> {
    await this.status.run(
      'Booking with your insurance',
      async () => {
        this.worker ??= createProverWorker()
        const booked = await bookWithInsurance({
          context: this.context,
          identitySecret: this.identitySecret,
          credential,
          slot,
          worker: this.worker,
          onStep: (text, percent) => (this.cover = { slotId: slot.slotId, text, percent }),
          remember: (key) => this.remember(key),
        })
        await this.refresh()
        return booked
      },
      ({ txHash }) => ({ text: `Booked slot #${slot.slotId}, paid by your insurer (${formatEth(slot.fee)}). You paid nothing; the booking was sent from a one-off account.`, txHash }),
    )
    this.cover = undefined
  }

  /** The account that booked: the one-off account of a covered booking, else the patient's own. */
  private bookingClient(booking: PatientBooking) {
    return booking.coveredKey ? createSalusClients(this.context.config, privateKeyToAccount(booking.coveredKey.privateKey)).walletClient : this.context.walletClient
  }

  /**
   * Cancels a booking at least 24 h ahead: a self-paid fee becomes withdrawable, a covered
   * one returns to the pool with the covered visit; the slot is free again for others.
   */
  async cancel(booking: PatientBooking): Promise<void> {
    const { appointments } = this.context
    const client = this.bookingClient(booking)
    await this.status.run(
      'Cancelling',
      async () => {
        if (!booking.coveredKey) await this.context.ensureChain()
        const result = await manageBooking(client, { appointments, slotId: booking.slotId, action: 'cancelByPatient' })
        await this.refresh()
        return result
      },
      ({ txHash }) => ({
        text: booking.coveredKey
          ? `Cancelled slot #${booking.slotId}; ${formatEth(booking.covered)} went back to your insurer’s pool and you have your covered visit back.`
          : `Cancelled slot #${booking.slotId}; ${formatEth(booking.fee)} is refunded and ready to withdraw.`,
        txHash,
      }),
    )
  }

  /**
   * From the start until 48 h after the end: the patient says they attended, so the
   * doctor can complete the visit (and can no longer call it a no-show).
   */
  async confirmAttendance(booking: PatientBooking): Promise<void> {
    const { appointments } = this.context
    const client = this.bookingClient(booking)
    await this.status.run(
      'Confirming you attended',
      async () => {
        if (!booking.coveredKey) await this.context.ensureChain()
        const result = await manageBooking(client, { appointments, slotId: booking.slotId, action: 'confirmAttendance' })
        await this.refresh()
        return result
      },
      ({ txHash }) => ({ text: `Confirmed you attended slot #${booking.slotId}; the doctor can now complete it.`, txHash }),
    )
  }

  /**
   * A booking neither side confirmed, 48 h after its end: anyone may refund it. A covered
   * one is refunded from its one-off account, so the patient's own account never touches it.
   */
  async refundUnconfirmed(booking: PatientBooking): Promise<void> {
    const { appointments } = this.context
    const client = this.bookingClient(booking)
    await this.status.run(
      'Claiming a refund',
      async () => {
        if (!booking.coveredKey) await this.context.ensureChain()
        const result = await manageBooking(client, { appointments, slotId: booking.slotId, action: 'refundUnconfirmed' })
        await this.refresh()
        return result
      },
      ({ txHash }) => ({
        text: booking.coveredKey
          ? `Slot #${booking.slotId} was never confirmed: ${formatEth(booking.covered)} went back to your insurer’s pool and you have your covered visit back.`
          : `Slot #${booking.slotId} was never confirmed: its fee is refunded.`,
        txHash,
      }),
    )
  }

  async withdraw(): Promise<void> {
    const { appointments, walletClient } = this.context
    await this.status.run(
      'Withdrawing refunds',
      async () => {
        await this.context.ensureChain()
        const result = await withdrawPayments(walletClient, { appointments })
        await this.refresh()
        return result
      },
      ({ amount, txHash }) => ({ text: `Sent ${formatEth(amount)} to your account.`, txHash }),
    )
  }

  private remember(key: CoveredBookingKey): void {
    this.keys = [...this.keys.filter((k) => k.address !== key.address), key]
    saveCoveredBookingKeys(this.storage, this.context.account, this.vaultKey, this.keys)
  }

  dispose(): void {
    this.worker?.terminate()
  }
}
