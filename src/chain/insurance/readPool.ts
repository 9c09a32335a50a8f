import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { Appointments } from '../generated/Appointments.ts'
import { Insurance } from '../generated/Insurance.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { PaymentsPublicClient } from '../appointments/paymentsClients.ts'

export type ReadPoolParameters = { insurance: Address; appointments: Address; insurer: Address }
export type ReadPoolReturnType = {
  /** Wei the insurer can withdraw or pay new claims from. */
  unreserved: bigint
  /** Wei of its covered bookings held in escrow until they are settled or refunded. */
  reserved: bigint
  members: bigint
  root: bigint
}

export type ReadPoolErrorType = ReadChainErrorType

/** An insurer's pool and member tree at a glance. */
export async function readPool(
  client: PaymentsPublicClient,
  { insurance, appointments, insurer }: ReadPoolParameters,
): Promise<ReadPoolReturnType> {
  try {
    const [unreserved, reserved, members, root] = await Promise.all([
      readContract(client, { address: insurance, abi: Insurance.abi, functionName: 'poolOf', args: [insurer] }),
      readContract(client, { address: appointments, abi: Appointments.abi, functionName: 'coverInEscrow', args: [insurer] }),
      readContract(client, { address: insurance, abi: Insurance.abi, functionName: 'memberCount', args: [insurer] }),
      readContract(client, { address: insurance, abi: Insurance.abi, functionName: 'memberRoot', args: [insurer] }),
    ])
    return { unreserved, reserved, members, root }
  } catch (error) {
    throw toChainError(error, client)
  }
}
