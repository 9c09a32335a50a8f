import type { Address } from 'viem'

/** One insurance plan as the pages show it (Insurance.Plan plus its id); amounts in wei. */
export type PlanView = {
  planId: bigint
  insurer: Address
  name: string
  feeCovered: bigint
  visitsPerPeriod: number
  /** Seconds. */
  periodLength: number
  closed: boolean
}
