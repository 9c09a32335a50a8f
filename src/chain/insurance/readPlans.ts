import type { Address } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { Insurance } from '../generated/Insurance.ts'
import type { PlanView } from '../../core/insurance/planView.ts'
import { toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from '../appointments/paymentsClients.ts'

export type ReadPlansParameters = { insurance: Address; insurer?: Address; fromBlock?: bigint }

/** Plans are few; more than this many is treated as spam and cut off. */
const maxPlans = 500

/** Every plan (or one insurer's), from PlanCreated events, with its current terms read from the contract. */
export async function readPlans(client: PaymentsPublicClient, { insurance, insurer, fromBlock = 0n }: ReadPlansParameters): Promise<PlanView[]> {
  try {
    const events = await getContractEvents(client, {
      address: insurance,
      abi: Insurance.abi,
      eventName: 'PlanCreated',
      args: insurer ? { insurer } : undefined,
      fromBlock,
      strict: true,
    })
    const ids = events.slice(0, maxPlans).map((event) => event.args.planId)
    const plans = await Promise.all(ids.map((planId) => readContract(client, { address: insurance, abi: Insurance.abi, functionName: 'plan', args: [planId] })))
    return plans.map((plan, i) => ({
      planId: ids[i]!,
      insurer: plan.insurer,
      name: plan.name.slice(0, 64),
      feeCovered: plan.feeCovered,
      visitsPerPeriod: plan.visitsPerPeriod,
      periodLength: plan.periodLength,
      closed: plan.closed,
    }))
  } catch (error) {
    throw toChainError(error, client)
  }
}
