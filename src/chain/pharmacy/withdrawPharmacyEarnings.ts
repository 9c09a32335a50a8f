import { parseEventLogs, type Address, type Hash } from 'viem'
import { Pharmacy } from '../generated/Pharmacy.ts'
import { UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'

export type WithdrawPharmacyEarningsParameters = { pharmacy: Address }
export type WithdrawPharmacyEarningsReturnType = { amount: bigint; txHash: Hash; blockNumber: bigint }
export type WithdrawPharmacyEarningsErrorType = WriteChainErrorType

/** Sends the pharmacist (the client's account) everything their paid invoices earned. */
export async function withdrawPharmacyEarnings(client: PaymentsWalletClient, { pharmacy }: WithdrawPharmacyEarningsParameters): Promise<WithdrawPharmacyEarningsReturnType> {
  const sent = await sendTransaction(client, { address: pharmacy, abi: Pharmacy.abi, functionName: 'withdraw', args: [] })
  const [event] = parseEventLogs({ abi: Pharmacy.abi, eventName: 'Withdrawn', logs: sent.receipt.logs })
  if (!event) throw new UnexpectedChainDataError(`no Withdrawn event in transaction ${sent.txHash}`)
  return { amount: event.args.amount, txHash: sent.txHash, blockNumber: sent.blockNumber }
}
