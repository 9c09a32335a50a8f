import type { Address, Hash } from 'viem'
import { Appointments } from '../generated/Appointments.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from './paymentsClients.ts'
import type { WriteChainErrorType } from '../chainErrors.ts'

export type BookSlotParameters = {
  appointments: Address
  slotId: bigint
  /** The slot's fee in wei, exactly (read it with readSlot); anything else is refused. */
  fee: bigint
}
export type BookSlotReturnType = { txHash: Hash; blockNumber: bigint }

export type BookSlotErrorType = WriteChainErrorType

/** A patient books a slot and pays its fee into escrow. */
export async function bookSlot(client: PaymentsWalletClient, { appointments, slotId, fee }: BookSlotParameters): Promise<BookSlotReturnType> {
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: appointments,
    abi: Appointments.abi,
    functionName: 'book',
    args: [slotId],
    value: fee,
  })
  return { txHash, blockNumber }
}
