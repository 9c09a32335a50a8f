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

/**
 * Each dispense of one prescription, first fill first: when, where, which fill, its
 * invoice. The patient's app calls it: the log query asks for every dispense and filters
 * here, so the RPC never learns which prescription the asker cares about (a query naming
 * rxHash would tie that prescription's dispenses, and the pharmacy, to the patient's
 * connection). Times come with the logs (their blockTimestamp); only from an RPC that
 * leaves it out are the matching blocks read, by number, which shows the RPC those blocks.
 */
export async function listPrescriptionDispenses(client: PaymentsPublicClient, { pharmacy, rxHash, fromBlock = 0n }: ListPrescriptionDispensesParameters): Promise<PrescriptionDispense[]> {
  try {
    const wanted = rxHash.toLowerCase()
    const all = await getContractEvents(client, { address: pharmacy, abi: Pharmacy.abi, eventName: 'Dispensed', fromBlock, strict: true })
    const events = all.filter((event) => event.args.rxHash.toLowerCase() === wanted)
    return await Promise.all(
      events.map(async (event) => ({
        invoiceId: event.args.invoiceId,
        pharmacist: event.args.pharmacist,
        dispenseNumber: Number(event.args.dispenseNumber),
        amount: event.args.amount,
        dispensedAt: Number(event.blockTimestamp ?? (await getBlock(client, { blockNumber: event.blockNumber })).timestamp),
        txHash: event.transactionHash,
        blockNumber: event.blockNumber,
      })),
    )
  } catch (error) {
    throw toChainError(error, client)
  }
}
