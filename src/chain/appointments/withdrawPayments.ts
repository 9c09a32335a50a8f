import { parseEventLogs, type Address, type Hash } from 'viem'
import { UnexpectedChainDataError } from '../chainErrors.ts'
import { Appointments } from '../generated/Appointments.ts'
import { sendPaymentTransaction, type PaymentsWalletClient } from './sendPaymentTransaction.ts'

export type WithdrawPaymentsParameters = { appointments: Address }
export type WithdrawPaymentsReturnType = { amount: bigint; txHash: Hash; blockNumber: bigint }

/** Sends the caller everything credited to them (a doctor's earnings, a patient's refunds). */
export async function withdrawPayments(
  client: PaymentsWalletClient,
  { appointments }: WithdrawPaymentsParameters,
): Promise<WithdrawPaymentsReturnType> {
  const sent = await sendPaymentTransaction(client, { address: appointments, abi: Appointments.abi, functionName: 'withdraw', args: [] })
  const [event] = parseEventLogs({ abi: Appointments.abi, eventName: 'Withdrawn', logs: sent.receipt.logs })
  if (!event) throw new UnexpectedChainDataError(`no Withdrawn event in transaction ${sent.txHash}`)
  return { amount: event.args.amount, txHash: sent.txHash, blockNumber: sent.blockNumber }
}
