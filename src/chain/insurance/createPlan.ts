import { parseEventLogs, type Address, type Hash } from 'viem'
import { Insurance } from '../generated/Insurance.ts'
import { ChainInputError, UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'

export type CreatePlanParameters = {
  insurance: Address
  name: string
  /** Wei paid per covered visit (at most the slot's fee is drawn). */
  feeCovered: bigint
  /** 1..255 covered visits in each period. */
  visitsPerPeriod: number
  /** Seconds, at least one day (e.g. 30 days). */
  periodLength: number
}
export type CreatePlanReturnType = { planId: bigint; txHash: Hash; blockNumber: bigint }

export type CreatePlanErrorType = WriteChainErrorType | ChainInputError

/** An insurer publishes a plan its members can then book against. */
export async function createPlan(
  client: PaymentsWalletClient,
  { insurance, name, feeCovered, visitsPerPeriod, periodLength }: CreatePlanParameters,
): Promise<CreatePlanReturnType> {
  const nameBytes = new TextEncoder().encode(name).length
  if (name.trim() === '' || nameBytes > 64) throw new ChainInputError('Give the plan a name of up to 64 bytes.', `name ${nameBytes} bytes`)
  if (typeof feeCovered !== 'bigint' || feeCovered <= 0n || feeCovered >= 1n << 96n) {
    throw new ChainInputError('Enter the fee covered per visit, in ETH, above zero.', `feeCovered ${String(feeCovered)}`)
  }
  if (!Number.isInteger(visitsPerPeriod) || visitsPerPeriod < 1 || visitsPerPeriod > 255) {
    throw new ChainInputError('Visits per period must be between 1 and 255.', `visitsPerPeriod ${visitsPerPeriod}`)
  }
  if (!Number.isInteger(periodLength) || periodLength < 86_400 || periodLength > 3660 * 86_400) {
    throw new ChainInputError('The period must last between one day and ten years.', `periodLength ${periodLength}`)
  }
  const sent = await sendTransaction(client, {
    address: insurance,
    abi: Insurance.abi,
    functionName: 'createPlan',
    args: [name, feeCovered, visitsPerPeriod, periodLength],
  })
  const [event] = parseEventLogs({ abi: Insurance.abi, eventName: 'PlanCreated', logs: sent.receipt.logs })
  if (!event) throw new UnexpectedChainDataError(`no PlanCreated event in transaction ${sent.txHash}`)
  return { planId: event.args.planId, txHash: sent.txHash, blockNumber: sent.blockNumber }
}
