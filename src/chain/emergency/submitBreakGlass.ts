// SPDX-License-Identifier: GPL-3.0-or-later
import { isAddressEqual, parseEventLogs, type Address, type Hash } from 'viem'
import { Emergency } from '../generated/Emergency.ts'
import { ChainInputError, UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import type { ConsentWalletClient } from '../consent/consentClients.ts'
import { sendTransaction } from '../sendTransaction.ts'

export type SubmitBreakGlassParameters = { emergency: Address; grantId: bigint }

export type SubmitBreakGlassReturnType = { eventId: bigint; timestamp: number; txHash: Hash; blockNumber: bigint }

export type SubmitBreakGlassErrorType = WriteChainErrorType | ChainInputError

/** A certified responder logs a break-glass read of an emergency card's grant (the client's account is the responder). */
export async function submitBreakGlass(client: ConsentWalletClient, { emergency, grantId }: SubmitBreakGlassParameters): Promise<SubmitBreakGlassReturnType> {
  if (typeof grantId !== 'bigint' || grantId < 1n || grantId >= 2n ** 256n) throw new ChainInputError('That emergency card names no valid grant.', `grantId ${String(grantId)}`)
  const { txHash, receipt } = await sendTransaction(client, { address: emergency, abi: Emergency.abi, functionName: 'breakGlass', args: [grantId] })
  const [event] = parseEventLogs({ abi: Emergency.abi, eventName: 'BreakGlass', logs: receipt.logs }).filter((log) => isAddressEqual(log.address, emergency))
  if (!event) throw new UnexpectedChainDataError(`no BreakGlass event in transaction ${txHash}`)
  return { eventId: event.args.eventId, timestamp: Number(event.args.timestamp), txHash, blockNumber: receipt.blockNumber }
}
