import { setPrescriptionCover } from '../../../chain/pharmacy/setPrescriptionCover.ts'
import { createPlan } from '../../../chain/insurance/createPlan.ts'
import { enrolMember } from '../../../chain/insurance/enrolMember.ts'
import { enrolMembers } from '../../../chain/insurance/enrolMembers.ts'
import { fundPool } from '../../../chain/insurance/fundPool.ts'
import { listMemberLeaves } from '../../../chain/insurance/listMemberLeaves.ts'
import { readPool, type ReadPoolReturnType } from '../../../chain/insurance/readPool.ts'
import { withdrawUnreserved } from '../../../chain/insurance/withdrawUnreserved.ts'
import { credentialLeaf } from '../../../zk/credentialLeaf.ts'
import { reportError } from '../reportError.ts'
import { ActionStatus } from './ActionStatus.svelte.ts'
import { AppointmentInputError } from './appointmentInputError.ts'
import { monthInput } from '../../../core/insurance/credentialMonths.ts'
import { endOfMonth } from './coverMonthField.ts'
import { enrolledAlready, refuseEnrolledAlready } from './enrolledAlready.ts'
import { formatEth, parseEthAmount } from './ethAmount.ts'
import { parseIdentityCommitment } from './identityCard.ts'
import { parseEnrolList } from './InsurerDeskEnrolList.ts'
import type { PaymentContext } from './paymentContext.ts'
import type { PlanView } from '../../../core/insurance/planView.ts'
import { readClaims, type ClaimView, type PoolMovement } from './readClaims.ts'
import { readPlans } from '../../../chain/insurance/readPlans.ts'

const day = 86_400

/** The insurer's Insurance page: plans, enrolment, the pool, and claims (never who made them). */
export class InsurerDesk {
  plans = $state.raw<PlanView[]>([])
  pool = $state.raw<ReadPoolReturnType | undefined>()
  claims = $state.raw<ClaimView[]>([])
  movements = $state.raw<PoolMovement[]>([])
  loading = $state(true)
  loadError = $state('')
  planForm = $state({ name: '', feeCovered: '0.05', visitsPerPeriod: '2', periodDays: '30' })
  /** A plan's prescription cover (issue 12): paid per covered dispense, dispenses per period. */
  rxCoverForm = $state({ planId: '', amountCovered: '0.01', perPeriod: '2' })
  enrolForm = $state({ commitment: '', planId: '', validThrough: '' })
  /** Several patients, one identity code per line, enrolled in one transaction under one plan and month. */
  enrolListForm = $state({ commitments: '', planId: '', validThrough: '' })
  fundAmount = $state('1')
  withdrawAmount = $state('')
  formError = $state<{ field: string; message: string } | undefined>()
  readonly status = new ActionStatus()

  constructor(private readonly context: PaymentContext) {}

  async load(): Promise<void> {
    try {
      await this.refresh()
      this.enrolForm.validThrough = monthInput(Math.floor(Date.now() / 1000), 12)
      this.enrolListForm.validThrough = this.enrolForm.validThrough
    } catch (error) {
      this.loadError = reportError(error, 'loading the insurance desk')
    } finally {
      this.loading = false
    }
  }

  async refresh(): Promise<void> {
    const { publicClient, insurance, appointments, account, fromBlock } = this.context
    const [plans, pool, { claims, movements }] = await Promise.all([
      readPlans(publicClient, { insurance, insurer: account, fromBlock }),
      readPool(publicClient, { insurance, appointments, insurer: account }),
      readClaims(publicClient, { insurance, insurer: account, fromBlock }),
    ])
    this.plans = plans
    this.pool = pool
    this.claims = claims
    this.movements = movements
    if (!this.enrolForm.planId && plans.length) this.enrolForm.planId = plans.at(-1)!.planId.toString()
    if (!this.enrolListForm.planId && plans.length) this.enrolListForm.planId = plans.at(-1)!.planId.toString()
  }

  private checked<T>(read: () => T): T | undefined {
    this.formError = undefined
    try {
      return read()
    } catch (error) {
      if (error instanceof AppointmentInputError) {
        this.formError = { field: error.field, message: error.shortMessage }
        return undefined
      }
      throw error
    }
  }

  async createPlan(): Promise<void> {
    const terms = this.checked(() => {
      const name = this.planForm.name.trim()
      if (!name) throw new AppointmentInputError('planName', 'Give the plan a name.')
      if (new TextEncoder().encode(name).length > 64) throw new AppointmentInputError('planName', 'A plan name has at most 64 bytes.')
      const visitsPerPeriod = Number(this.planForm.visitsPerPeriod)
      if (!Number.isInteger(visitsPerPeriod) || visitsPerPeriod < 1 || visitsPerPeriod > 255) {
        throw new AppointmentInputError('visitsPerPeriod', 'Visits per period must be a whole number from 1 to 255.')
      }
      const periodDays = Number(this.planForm.periodDays)
      if (!Number.isInteger(periodDays) || periodDays < 1 || periodDays > 3660) {
        throw new AppointmentInputError('periodDays', 'The period is a whole number of days, from 1 to 3,660.')
      }
      return { name, feeCovered: parseEthAmount(this.planForm.feeCovered, { field: 'feeCovered' }), visitsPerPeriod, periodLength: periodDays * day }
    })
    if (!terms) return
    const { walletClient, insurance } = this.context
    await this.status.run(
      'Creating the plan',
      async () => {
        await this.context.ensureChain()
        const result = await createPlan(walletClient, { insurance, ...terms })
        this.enrolForm.planId = result.planId.toString()
        this.enrolListForm.planId = result.planId.toString()
        this.planForm.name = ''
        await this.refresh()
        return result
      },
      ({ planId, txHash }) => ({ text: `Created plan #${planId} “${terms.name}”: up to ${formatEth(terms.feeCovered)} per visit.`, txHash }),
    )
  }

  /** Makes a plan cover prescriptions (Insurance.setPrescriptionCover): members then pay pharmacy invoices from the pool. */
  async coverPrescriptions(): Promise<void> {
    const terms = this.checked(() => {
      const plan = this.openPlan(this.rxCoverForm.planId, 'rxPlanId')
      const perPeriod = Number(this.rxCoverForm.perPeriod)
      if (!Number.isInteger(perPeriod) || perPeriod < 1 || perPeriod > 255) throw new AppointmentInputError('rxPerPeriod', 'Prescriptions per period must be a whole number from 1 to 255.')
      return { plan, perPeriod, amountCovered: parseEthAmount(this.rxCoverForm.amountCovered, { field: 'rxAmountCovered' }) }
    })
    if (!terms) return
    const { walletClient, insurance } = this.context
    await this.status.run(
      'Covering prescriptions',
      async () => {
        await this.context.ensureChain()
        return await setPrescriptionCover(walletClient, { insurance, planId: terms.plan.planId, amountCovered: terms.amountCovered, perPeriod: terms.perPeriod })
      },
      ({ txHash }) => ({ text: `Plan #${terms.plan.planId} “${terms.plan.name}” covers up to ${formatEth(terms.amountCovered)} of ${terms.perPeriod} prescription${terms.perPeriod === 1 ? '' : 's'} per period.`, txHash }),
    )
  }

  /** Adds the patient's credential leaf Poseidon(commitment, planId, validUntil); the commitment itself never goes on chain. */
  async enrol(): Promise<void> {
    const entry = this.checked(() => {
      const commitment = parseIdentityCommitment(this.enrolForm.commitment)
      return { commitment, plan: this.openPlan(this.enrolForm.planId, 'planId'), validUntil: endOfMonth(this.enrolForm.validThrough) }
    })
    if (!entry) return
    const { walletClient, insurance } = this.context
    await this.status.run(
      'Enrolling the member',
      async () => {
        await this.refuseEnrolled([entry.commitment], entry.plan, entry.validUntil, 'identityCommitment')
        await this.context.ensureChain()
        const leaf = await credentialLeaf({ identityCommitment: entry.commitment, planId: entry.plan.planId, validUntil: entry.validUntil })
        const result = await enrolMember(walletClient, { insurance, leaf })
        this.enrolForm.commitment = ''
        await this.refresh()
        return result
      },
      ({ index, txHash }) => ({
        text: `Enrolled member #${index + 1n} in “${entry.plan.name}”, covered through ${new Date(Number(entry.validUntil) * 1000).toISOString().slice(0, 7)}.`,
        txHash,
      }),
    )
  }

  /** Tells the insurer, before any transaction, which codes this plan already covers through that month (read from the leaves on chain). */
  private async refuseEnrolled(commitments: readonly bigint[], plan: PlanView, validUntil: bigint, field: 'identityCommitment' | 'identityCommitments'): Promise<void> {
    const { publicClient, insurance, account, fromBlock } = this.context
    const leaves = await listMemberLeaves(publicClient, { insurance, insurer: account, fromBlock })
    refuseEnrolledAlready(enrolledAlready({ commitments, plan, validUntil, leaves, now: Math.floor(Date.now() / 1000) }), commitments, plan, field)
  }

  private openPlan(planId: string, field: string): PlanView {
    const plan = this.plans.find((p) => p.planId.toString() === planId)
    if (!plan) throw new AppointmentInputError(field, 'Choose one of your plans.')
    if (plan.closed) throw new AppointmentInputError(field, 'This plan is closed; choose an open one.')
    return plan
  }

  /** enrol for a pasted list: all leaves in one enrolMany, which costs a fraction of the gas per member. */
  async enrolList(): Promise<void> {
    const entry = this.checked(() => {
      const commitments = parseEnrolList(this.enrolListForm.commitments)
      const plan = this.openPlan(this.enrolListForm.planId, 'listPlanId')
      let validUntil: bigint
      try {
        validUntil = endOfMonth(this.enrolListForm.validThrough)
      } catch (error) {
        throw error instanceof AppointmentInputError ? new AppointmentInputError('listValidUntil', error.shortMessage) : error
      }
      return { commitments, plan, validUntil }
    })
    if (!entry) return
    const { walletClient, insurance } = this.context
    const count = BigInt(entry.commitments.length)
    await this.status.run(
      `Enrolling ${count} members`,
      async () => {
        await this.refuseEnrolled(entry.commitments, entry.plan, entry.validUntil, 'identityCommitments')
        await this.context.ensureChain()
        const { planId } = entry.plan
        const leaves = await Promise.all(entry.commitments.map((identityCommitment) => credentialLeaf({ identityCommitment, planId, validUntil: entry.validUntil })))
        const result = await enrolMembers(walletClient, { insurance, leaves })
        this.enrolListForm.commitments = ''
        await this.refresh()
        return result
      },
      ({ firstIndex, txHash }) => ({
        text: `Enrolled ${count} member${count === 1n ? '' : 's'} (#${firstIndex + 1n} to #${firstIndex + count}) in “${entry.plan.name}” in one transaction, covered through ${new Date(Number(entry.validUntil) * 1000).toISOString().slice(0, 7)}.`,
        txHash,
      }),
    )
  }

  async fund(): Promise<void> {
    const amount = this.checked(() => parseEthAmount(this.fundAmount, { field: 'fundAmount' }))
    if (amount === undefined) return
    const { walletClient, insurance, account } = this.context
    await this.status.run(
      'Funding the pool',
      async () => {
        await this.context.ensureChain()
        const result = await fundPool(walletClient, { insurance, insurer: account, amount })
        await this.refresh()
        return result
      },
      ({ txHash }) => ({ text: `Added ${formatEth(amount)} to the pool.`, txHash }),
    )
  }

  async withdraw(): Promise<void> {
    const amount = this.checked(() => parseEthAmount(this.withdrawAmount, { field: 'withdrawAmount' }))
    if (amount === undefined) return
    const { walletClient, insurance } = this.context
    await this.status.run(
      'Withdrawing from the pool',
      async () => {
        await this.context.ensureChain()
        const result = await withdrawUnreserved(walletClient, { insurance, amount })
        this.withdrawAmount = ''
        await this.refresh()
        return result
      },
      ({ txHash }) => ({ text: `Withdrew ${formatEth(amount)} from the pool.`, txHash }),
    )
  }
}
