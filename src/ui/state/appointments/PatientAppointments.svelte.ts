import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { readContract } from 'viem/actions'
import { bookCovered } from '../../../chain/appointments/bookCovered.ts'
import { bookSlot } from '../../../chain/appointments/bookSlot.ts'
import { listSlots } from '../../../chain/appointments/listSlots.ts'
import { manageBooking } from '../../../chain/appointments/manageBooking.ts'
import { readSlot } from '../../../chain/appointments/readSlot.ts'
import { readWithdrawable } from '../../../chain/appointments/readWithdrawable.ts'
import type { SlotView } from '../../../chain/appointments/slotView.ts'
import { withdrawPayments } from '../../../chain/appointments/withdrawPayments.ts'
import { createSalusClients } from '../../../chain/createSalusClients.ts'
import { Insurance } from '../../../chain/generated/Insurance.ts'
import { listMemberLeaves } from '../../../chain/insurance/listMemberLeaves.ts'
import { listProviders } from '../../../chain/listProviders.ts'
import { identityCommitment } from '../../../zk/identity.ts'
import { createProverWorker, proveInWorker } from '../../../zk/proveInWorker.ts'
import { toCircuitInput, type ProofProgress } from '../../../zk/proveWithArtifacts.ts'
import { eligibilitySignals } from '../../../zk/publicSignals.ts'
import { toSolidityProof } from '../../../zk/toSolidityProof.ts'
import { ProofInputError } from '../../../zk/zkErrors.ts'
import { formatEth } from './ethAmount.ts'
import { reportError } from '../reportError.ts'
import { ActionStatus } from './ActionStatus.svelte.ts'
import { coverInput, firstUnusedVisit } from './coverInput.ts'
import { loadCoveredBookingKeys, saveCoveredBookingKeys, type CoveredBookingKey, type KeyStorage } from './coveredBookingKeys.ts'
import { findCredentials, type MemberCredential } from './findCredentials.ts'
import { identityCardText } from './identityCard.ts'
import { oneOffSender } from './oneOffSender.ts'
import type { PaymentContext } from './paymentContext.ts'
import { readPlans } from './readPlans.ts'
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
        await this.context.ready()
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

  /** Whether `credential` can pay `slot` in full (a top-up would have to come from somewhere that links to the patient). */
  covers(credential: MemberCredential, slot: SlotView): boolean {
    return !credential.plan.closed && credential.plan.feeCovered >= slot.fee && slot.fee > 0n && credential.validUntil >= BigInt(slot.start)
  }

  /**
   * Books `slot` paid from the insurer's pool: picks an unspent covered visit, proves
   * membership in the worker, then sends the booking from a fresh one-off account.
   */
  async bookCovered(slot: SlotView, credential: MemberCredential): Promise<void> {
    const { publicClient, insurance, appointments, chainId } = this.context
    const step = (text: string, percent?: number) => (this.cover = { slotId: slot.slotId, text, percent })
    await this.status.run(
      'Booking with your insurance',
      async () => {
        if (!this.covers(credential, slot)) {
          throw new ProofInputError(
            `Your plan covers up to ${formatEth(credential.plan.feeCovered)} per visit until ${new Date(Number(credential.validUntil) * 1000).toISOString().slice(0, 10)}; this slot costs ${formatEth(slot.fee)} on ${new Date(slot.start * 1000).toISOString().slice(0, 10)}. Choose a slot within your cover, or pay yourself.`,
          )
        }
        step('Checking which covered visits of this period you have left')
        const isNullifierUsed = (nullifier: bigint) =>
          readContract(publicClient, { address: insurance, abi: Insurance.abi, functionName: 'nullifierUsed', args: [nullifier] })
        const visit = await firstUnusedVisit({ identitySecret: this.identitySecret, plan: credential.plan, visitStart: slot.start, isNullifierUsed })
        if (!visit) {
          throw new ProofInputError(
            `You have used all ${credential.plan.visitsPerPeriod} covered visit${credential.plan.visitsPerPeriod === 1 ? '' : 's'} of “${credential.plan.name}” in this period. Book a slot in the next period, or pay the fee yourself.`,
          )
        }
        step('Reading your insurer’s member list')
        const leaves = await listMemberLeaves(publicClient, { insurance, insurer: credential.plan.insurer, fromBlock: this.context.fromBlock })
        const { input, root } = await coverInput({ identitySecret: this.identitySecret, credential, leaves, slot, k: visit.k, chainId, appointments })
        this.worker ??= createProverWorker()
        const result = await proveInWorker(this.worker, { circuit: 'eligibility', input: toCircuitInput(input), onProgress: (p) => step(...describeProgress(p)) })
        const signals = eligibilitySignals(result.publicSignals)
        step('Funding a one-off account to send the booking')
        const sender = await oneOffSender(this.context)
        const key: CoveredBookingKey = { slotId: slot.slotId, privateKey: sender.privateKey, address: sender.walletClient.account.address }
        this.remember(key)
        step('Sending the booking')
        const booked = await bookCovered(sender.walletClient, {
          appointments,
          slotId: slot.slotId,
          planId: credential.plan.planId,
          root,
          nullifier: signals.nullifier,
          proof: toSolidityProof(result.proof),
        })
        this.remember({ ...key, txHash: booked.txHash })
        await this.refresh()
        return booked
      },
      ({ txHash }) => ({ text: `Booked slot #${slot.slotId}, paid by your insurer (${formatEth(slot.fee)}). You paid nothing; the booking was sent from a one-off account.`, txHash }),
    )
    this.cover = undefined
  }

  /** Cancels a booking at least 24 h ahead: a self-paid fee becomes withdrawable, a covered one returns to the pool. */
  async cancel(booking: PatientBooking): Promise<void> {
    const { appointments, config } = this.context
    const client = booking.coveredKey ? createSalusClients(config, privateKeyToAccount(booking.coveredKey.privateKey)).walletClient : this.context.walletClient
    await this.status.run(
      'Cancelling',
      async () => {
        if (!booking.coveredKey) await this.context.ready()
        const result = await manageBooking(client, { appointments, slotId: booking.slotId, action: 'cancelByPatient' })
        await this.refresh()
        return result
      },
      ({ txHash }) => ({
        text: booking.coveredKey
          ? `Cancelled slot #${booking.slotId}; ${formatEth(booking.covered)} went back to your insurer’s pool and your covered visit is not given back.`
          : `Cancelled slot #${booking.slotId}; ${formatEth(booking.fee)} is refunded and ready to withdraw.`,
        txHash,
      }),
    )
  }

  /** A booking the doctor never confirmed, 48 h after its end: anyone may refund it. */
  async refundUnconfirmed(booking: PatientBooking): Promise<void> {
    const { appointments, walletClient } = this.context
    await this.status.run(
      'Claiming a refund',
      async () => {
        await this.context.ready()
        const result = await manageBooking(walletClient, { appointments, slotId: booking.slotId, action: 'refundUnconfirmed' })
        await this.refresh()
        return result
      },
      ({ txHash }) => ({ text: `Slot #${booking.slotId} was never confirmed: its fee is refunded.`, txHash }),
    )
  }

  async withdraw(): Promise<void> {
    const { appointments, walletClient } = this.context
    await this.status.run(
      'Withdrawing refunds',
      async () => {
        await this.context.ready()
        const result = await withdrawPayments(walletClient, { appointments })
        await this.refresh()
        return result
      },
      ({ amount, txHash }) => ({ text: `Sent ${formatEth(amount)} to your account.`, txHash }),
    )
  }

  /** Re-reads one slot (e.g. after another tab changed it). */
  async reloadSlot(slotId: bigint): Promise<SlotView> {
    return readSlot(this.context.publicClient, { appointments: this.context.appointments, slotId })
  }

  private remember(key: CoveredBookingKey): void {
    this.keys = [...this.keys.filter((k) => k.address !== key.address), key]
    saveCoveredBookingKeys(this.storage, this.context.account, this.vaultKey, this.keys)
  }

  dispose(): void {
    this.worker?.terminate()
  }
}

export function describeProgress(progress: ProofProgress): [string, number | undefined] {
  switch (progress.stage) {
    case 'loading artifacts': {
      const { loadedBytes, totalBytes } = progress
      return ['Loading the proof files', totalBytes ? Math.min(99, Math.round((loadedBytes / totalBytes) * 100)) : undefined]
    }
    case 'witness':
      return ['Computing the proof’s inputs (your credential never leaves this device)', undefined]
    case 'proving':
      return ['Making the zero-knowledge proof', undefined]
    case 'done':
      return [`Proof made in ${(progress.milliseconds / 1000).toFixed(1)} s`, 100]
  }
}
