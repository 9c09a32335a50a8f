import type { Address, Hash, Hex } from 'viem'
import { getContractEvents } from 'viem/actions'
import { Pharmacy } from '../generated/Pharmacy.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from '../appointments/paymentsClients.ts'

export type PharmacySale = {
  invoiceId: bigint
  rxHash: Hex
  dispenseNumber: number
  /** Wei invoiced. */
  amount: bigint
  txHash: Hash
  blockNumber: bigint
  /** Present once paid: `paid` wei from the payer, `covered` from an insurer's pool. */
  payment?: { paid: bigint; covered: bigint; txHash: Hash; blockNumber: bigint }
}

export type ListPharmacySalesParameters = { pharmacy: Address; pharmacist: Address; fromBlock?: bigint }
export type ListPharmacySalesErrorType = ReadChainErrorType

/** Every dispense `pharmacist` recorded, newest first, with its invoice's payment when paid (two log queries). */
export async function listPharmacySales(client: PaymentsPublicClient, { pharmacy, pharmacist, fromBlock = 0n }: ListPharmacySalesParameters): Promise<PharmacySale[]> {
  try {
    const [dispensed, paid] = await Promise.all([
      getContractEvents(client, { address: pharmacy, abi: Pharmacy.abi, eventName: 'Dispensed', args: { pharmacist }, fromBlock, strict: true }),
      getContractEvents(client, { address: pharmacy, abi: Pharmacy.abi, eventName: 'InvoicePaid', args: { pharmacist }, fromBlock, strict: true }),
    ])
    const payments = new Map(paid.map((event) => [event.args.invoiceId, { paid: event.args.paid, covered: event.args.covered, txHash: event.transactionHash, blockNumber: event.blockNumber }]))
    return dispensed
      .map((event): PharmacySale => {
        const payment = payments.get(event.args.invoiceId)
        return {
          invoiceId: event.args.invoiceId,
          rxHash: event.args.rxHash,
          dispenseNumber: Number(event.args.dispenseNumber),
          amount: event.args.amount,
          txHash: event.transactionHash,
          blockNumber: event.blockNumber,
          ...(payment ? { payment } : {}),
        }
      })
      .reverse()
  } catch (error) {
    throw toChainError(error, client)
  }
}
