import type { Address, Hash, Hex } from 'viem'
import { getBlock, getContractEvents } from 'viem/actions'
import { Pharmacy } from '../generated/Pharmacy.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from '../appointments/paymentsClients.ts'

export type PrescriptionDispense = {
  invoiceId: bigint
  /** Where: the pharmacist's account (the directory names them). */
  pharmacist: Address
  dispenseNumber: number
  amount: bigint
  /** When: the block's time, unix seconds. */
  dispensedAt: number
  txHash: Hash
  blockNumber: bigint
}

export type ListPrescriptionDispensesParameters = { pharmacy: Address; rxHash: Hex; fromBlock?: bigint }
export type ListPrescriptionDispensesErrorType = ReadChainErrorType

/** Each dispense of one prescription, first fill first: when, where, which fill, its invoice. */
export async function listPrescriptionDispenses(client: PaymentsPublicClient, { pharmacy, rxHash, fromBlock = 0n }: ListPrescriptionDispensesParameters): Promise<PrescriptionDispense[]> {
  try {
    const events = await getContractEvents(client, { address: pharmacy, abi: Pharmacy.abi, eventName: 'Dispensed', args: { rxHash }, fromBlock, strict: true })
    return await Promise.all(
      events.map(async (event) => ({
        invoiceId: event.args.invoiceId,
        pharmacist: event.args.pharmacist,
        dispenseNumber: Number(event.args.dispenseNumber),
        amount: event.args.amount,
        dispensedAt: Number((await getBlock(client, { blockNumber: event.blockNumber })).timestamp),
        txHash: event.transactionHash,
        blockNumber: event.blockNumber,
      })),
    )
  } catch (error) {
    throw toChainError(error, client)
  }
}
