import type { Address } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { Appointments } from '../generated/Appointments.ts'
import { toSlotView, type SlotStatus, type SlotView } from './slotView.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from './paymentsClients.ts'

export type ListSlotsParameters = {
  appointments: Address
  /** Only this doctor's slots. */
  doctor?: Address
  /** Only these statuses (e.g. ['open'] for a patient looking for a free slot). */
  statuses?: readonly SlotStatus[]
  /** The Appointments deployment block (NetworkConfig), so the log scan starts there. */
  fromBlock?: bigint
}
export type ListSlotsReturnType = SlotView[]

/** Reads at most this many slots per call, so a long calendar stays within RPC limits. */
const pageSize = 200

export type ListSlotsErrorType = ReadChainErrorType

/** Slots published (optionally by one doctor), with their current state, oldest first. */
export async function listSlots(
  client: PaymentsPublicClient,
  { appointments, doctor, statuses, fromBlock = 0n }: ListSlotsParameters,
): Promise<ListSlotsReturnType> {
  try {
    const events = await getContractEvents(client, {
      address: appointments,
      abi: Appointments.abi,
      eventName: 'SlotPublished',
      args: doctor ? { doctor } : undefined,
      fromBlock,
      strict: true,
    })
    const ids = events.map((event) => event.args.slotId)
    const slots: SlotView[] = []
    for (let i = 0; i < ids.length; i += pageSize) {
      const page = ids.slice(i, i + pageSize)
      const raw = await readContract(client, { address: appointments, abi: Appointments.abi, functionName: 'getSlots', args: [page] })
      raw.forEach((slot, j) => slots.push(toSlotView(page[j]!, slot)))
    }
    return statuses ? slots.filter((slot) => statuses.includes(slot.status)) : slots
  } catch (error) {
    throw toChainError(error, client)
  }
}
