import { parseEventLogs, type Address, type Hash } from 'viem'
import { Appointments } from '../generated/Appointments.ts'
import { UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from './paymentsClients.ts'

export type WithdrawPaymentsParameters = { appointments: Address }
export type WithdrawPaymentsReturnType = { amount: bigint; txHash: Hash; blockNumber: bigint }

export type WithdrawPaymentsErrorType = WriteChainErrorType

/** Sends the caller everything credited to them (a doctor's earnings, a patient's refunds). */
export async function withdrawPayments(
  client: PaymentsWalletClient,
  { appointments }: WithdrawPaymentsParameters,
): Promise<WithdrawPaymentsReturnType> {
  const sent = await sendTransaction(client, { address: appointments, abi: Appointments.abi, functionName: 'withdraw', args: [] })
  const [event] = parseEventLogs({ abi: Appointments.abi, eventName: 'Withdrawn', logs: sent.receipt.logs })
  if (!event) throw new UnexpectedChainDataError(`no Withdrawn event in transaction ${sent.txHash}`)
  return { amount: event.args.amount, txHash: sent.txHash, blockNumber: sent.blockNumber }
}
