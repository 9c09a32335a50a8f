import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { Appointments } from '../generated/Appointments.ts'
import { toSlotView, type SlotView } from './slotView.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from './paymentsClients.ts'

export type ReadSlotParameters = { appointments: Address; slotId: bigint }
export type ReadSlotReturnType = SlotView

export type ReadSlotErrorType = ReadChainErrorType

/** One slot's current state; an unknown id throws ContractRefusedError (Appointments__UnknownSlot). */
export async function readSlot(client: PaymentsPublicClient, { appointments, slotId }: ReadSlotParameters): Promise<ReadSlotReturnType> {
  try {
    const raw = await readContract(client, { address: appointments, abi: Appointments.abi, functionName: 'getSlot', args: [slotId] })
    return toSlotView(slotId, raw)
  } catch (error) {
    throw toChainError(error, client)
  }
}
