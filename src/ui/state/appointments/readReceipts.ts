import type { Address, Hash } from 'viem'
import { getContractEvents } from 'viem/actions'
import { Appointments } from '../../../chain/generated/Appointments.ts'
import { toChainError } from '../../../chain/chainErrors.ts'
import type { PaymentsPublicClient } from '../../../chain/appointments/paymentsClients.ts'

/**
 * One line of an account's statement, each with the transaction that made it:
 * booking (slot reserved), payment (ETH into escrow), covered (the insurer's pool paid),
 * refund or earning (ETH credited for withdrawal), withdrawal (ETH sent out).
 */
export type Receipt = {
  kind: 'booking' | 'payment' | 'covered' | 'refund' | 'earning' | 'withdrawal'
  slotId: bigint | undefined
  amount: bigint
  txHash: Hash
  blockNumber: bigint
  logIndex: number
}

export type ReadReceiptsParameters = {
  appointments: Address
  /** The signed-in account, and any throwaway accounts it sent covered bookings from. */
  accounts: readonly Address[]
  /** Slots this account published: credits on them are earnings, not refunds. */
  doctor?: Address
  fromBlock?: bigint
}

/** Every receipt of `accounts` on Appointments, newest first. */
export async function readReceipts(client: PaymentsPublicClient, { appointments, accounts, doctor, fromBlock = 0n }: ReadReceiptsParameters): Promise<Receipt[]> {
  if (accounts.length === 0) return []
  try {
    const common = { address: appointments, abi: Appointments.abi, fromBlock, strict: true } as const
    const [booked, credited, withdrawn] = await Promise.all([
      getContractEvents(client, { ...common, eventName: 'SlotBooked', args: { payer: [...accounts] } }),
      getContractEvents(client, { ...common, eventName: 'PaymentCredited', args: { account: [...accounts] } }),
      getContractEvents(client, { ...common, eventName: 'Withdrawn', args: { account: [...accounts] } }),
    ])
    const receipts: Receipt[] = []
    const at = (event: { transactionHash: Hash; blockNumber: bigint; logIndex: number }) => ({
      txHash: event.transactionHash,
      blockNumber: event.blockNumber,
      logIndex: event.logIndex,
    })
    for (const event of booked) {
      const { slotId, paid, covered } = event.args
      receipts.push({ kind: 'booking', slotId, amount: paid + covered, ...at(event) })
      if (paid > 0n) receipts.push({ kind: 'payment', slotId, amount: paid, ...at(event) })
      if (covered > 0n) receipts.push({ kind: 'covered', slotId, amount: covered, ...at(event) })
    }
    const isDoctor = (account: Address) => doctor !== undefined && account.toLowerCase() === doctor.toLowerCase()
    for (const event of credited) {
      receipts.push({ kind: isDoctor(event.args.account) ? 'earning' : 'refund', slotId: event.args.slotId, amount: event.args.amount, ...at(event) })
    }
    for (const event of withdrawn) receipts.push({ kind: 'withdrawal', slotId: undefined, amount: event.args.amount, ...at(event) })
    return receipts.sort((a, b) => (a.blockNumber === b.blockNumber ? b.logIndex - a.logIndex : Number(b.blockNumber - a.blockNumber)))
  } catch (error) {
    throw toChainError(error, client)
  }
}
