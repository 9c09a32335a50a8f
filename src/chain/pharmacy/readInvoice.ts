import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { Pharmacy } from '../generated/Pharmacy.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from '../appointments/paymentsClients.ts'

export const invoiceStatuses = ['none', 'open', 'paid', 'paid-covered'] as const
export type InvoiceStatus = (typeof invoiceStatuses)[number]

export type InvoiceView = {
  invoiceId: bigint
  /** The pharmacist who dispensed and is paid. */
  pharmacist: Address
  /** Wei owed. */
  amount: bigint
  /** Unix seconds of the start of the dispense's day (the date a covered payment proves for). */
  dispenseDay: number
  status: Exclude<InvoiceStatus, 'none'>
}

export type ReadInvoiceParameters = { pharmacy: Address; invoiceId: bigint }
export type ReadInvoiceErrorType = ReadChainErrorType

/** One invoice; an unknown id is ContractRefusedError Pharmacy__UnknownInvoice. */
export async function readInvoice(client: PaymentsPublicClient, { pharmacy, invoiceId }: ReadInvoiceParameters): Promise<InvoiceView> {
  try {
    const invoice = await readContract(client, { address: pharmacy, abi: Pharmacy.abi, functionName: 'invoice', args: [invoiceId] })
    return { invoiceId, pharmacist: invoice.pharmacist, amount: invoice.amount, dispenseDay: invoice.day * 86_400, status: invoiceStatuses[invoice.status] as InvoiceView['status'] }
  } catch (error) {
    throw toChainError(error, client)
  }
}
