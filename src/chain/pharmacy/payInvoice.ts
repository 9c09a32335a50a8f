import type { Address, Hash } from 'viem'
import { Pharmacy } from '../generated/Pharmacy.ts'
import type { WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'

export type PayInvoiceParameters = {
  pharmacy: Address
  invoiceId: bigint
  /** Exactly the invoice's amount in wei (readInvoice): anything else is refused, nothing charged. */
  amount: bigint
}
export type PayInvoiceReturnType = { txHash: Hash; blockNumber: bigint }
export type PayInvoiceErrorType = WriteChainErrorType

/** Pays an open invoice in ETH from the client's account; the transaction is the receipt. */
export async function payInvoice(client: PaymentsWalletClient, { pharmacy, invoiceId, amount }: PayInvoiceParameters): Promise<PayInvoiceReturnType> {
  const { txHash, blockNumber } = await sendTransaction(client, { address: pharmacy, abi: Pharmacy.abi, functionName: 'payInvoice', args: [invoiceId], value: amount })
  return { txHash, blockNumber }
}
