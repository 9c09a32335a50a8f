// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { Emergency } from '../generated/Emergency.ts'
import { toChainError, type ReadChainErrorType } from '../chainErrors.ts'
import type { ConsentPublicClient } from '../consent/consentClients.ts'

export type ReadBreakGlassAtParameters = { emergency: Address; grantId: bigint; responder: Address }

/** Unix seconds of `responder`'s last break-glass on `grantId`, 0 if never. */
export type ReadBreakGlassAtReturnType = number

export type ReadBreakGlassAtErrorType = ReadChainErrorType

export async function readBreakGlassAt(client: ConsentPublicClient, { emergency, grantId, responder }: ReadBreakGlassAtParameters): Promise<ReadBreakGlassAtReturnType> {
  try {
    return Number(await readContract(client, { address: emergency, abi: Emergency.abi, functionName: 'breakGlassAt', args: [grantId, responder] }))
  } catch (error) {
    throw toChainError(error, client)
  }
}
