import { parseEventLogs, type Address, type Hash } from 'viem'
import { Appointments } from '../generated/Appointments.ts'
import { ChainInputError, UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from './paymentsClients.ts'

export type PublishSlotParameters = {
  appointments: Address
  /** Unix seconds, in the future. */
  start: number
  /** Seconds, 5 minutes to 24 hours. */
  duration: number
  /** Wei, exact: what the patient pays. */
  fee: bigint
}
export type PublishSlotReturnType = { slotId: bigint; txHash: Hash; blockNumber: bigint }
export type PublishSlotErrorType = WriteChainErrorType | ChainInputError

const maxFee = (1n << 96n) - 1n

/** A doctor offers an appointment slot. */
export async function publishSlot(
  client: PaymentsWalletClient,
  { appointments, start, duration, fee }: PublishSlotParameters,
): Promise<PublishSlotReturnType> {
  if (!Number.isSafeInteger(start) || start <= 0 || start >= 2 ** 40) throw new ChainInputError('Choose a valid start time.', `start ${start}`)
  if (!Number.isSafeInteger(duration) || duration < 300 || duration > 86_400) {
    throw new ChainInputError('A slot must last between 5 minutes and 24 hours.', `duration ${duration}`)
  }
  if (typeof fee !== 'bigint' || fee < 0n || fee > maxFee) throw new ChainInputError('Enter a fee in ETH of zero or more.', `fee ${String(fee)}`)
  const sent = await sendTransaction(client, {
    address: appointments,
    abi: Appointments.abi,
    functionName: 'publishSlot',
    args: [start, duration, fee],
  })
  const [event] = parseEventLogs({ abi: Appointments.abi, eventName: 'SlotPublished', logs: sent.receipt.logs })
  if (!event) throw new UnexpectedChainDataError(`no SlotPublished event in transaction ${sent.txHash}`)
  return { slotId: event.args.slotId, txHash: sent.txHash, blockNumber: sent.blockNumber }
}
