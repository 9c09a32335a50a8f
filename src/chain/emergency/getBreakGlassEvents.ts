// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address, Hash } from 'viem'
import { getBlockNumber, getContractEvents } from 'viem/actions'
import { Emergency } from '../generated/Emergency.ts'
import { ChainInputError, toChainError, type ReadChainErrorType } from '../chainErrors.ts'
import type { ConsentPublicClient } from '../consent/consentClients.ts'

export type GetBreakGlassEventsParameters = {
  emergency: Address
  /** Emergency's deployment block, or the last block already read. */
  fromBlock: bigint
  toBlock?: bigint
  /** Only these grants' break-glass events (the patient's cards); at most 256. */
  grantIds: readonly bigint[]
  /** Blocks per eth_getLogs request; public RPCs cap the range. */
  blockRange?: bigint
}

export type BreakGlassEvent = { grantId: bigint; responder: Address; eventId: bigint; timestamp: number; blockNumber: bigint; txHash: Hash }

export type GetBreakGlassEventsReturnType = { events: BreakGlassEvent[]; toBlock: bigint }

export type GetBreakGlassEventsErrorType = ReadChainErrorType | ChainInputError

const maxGrantIds = 256

/** BreakGlass events of the given grants, oldest first (filtered by the indexed grant id, so the RPC learns only the ids asked). */
export async function getBreakGlassEvents(
  client: ConsentPublicClient,
  { emergency, fromBlock, toBlock, grantIds, blockRange = 10_000n }: GetBreakGlassEventsParameters,
): Promise<GetBreakGlassEventsReturnType> {
  if (fromBlock < 0n || blockRange < 1n) throw new ChainInputError('That block range is not valid.', `from ${fromBlock}, range ${blockRange}`)
  if (grantIds.length > maxGrantIds) throw new ChainInputError(`Ask for at most ${maxGrantIds} cards at once.`, `${grantIds.length} grant ids`)
  try {
    const end = toBlock ?? (await getBlockNumber(client))
    if (grantIds.length === 0) return { events: [], toBlock: end }
    const events: BreakGlassEvent[] = []
    for (let start = fromBlock; start <= end; start += blockRange) {
      const stop = start + blockRange - 1n < end ? start + blockRange - 1n : end
      const logs = await getContractEvents(client, {
        address: emergency,
        abi: Emergency.abi,
        eventName: 'BreakGlass',
        args: { grantId: [...grantIds] },
        fromBlock: start,
        toBlock: stop,
        strict: true,
      })
      for (const log of logs) {
        const { grantId, responder, eventId, timestamp } = log.args
        events.push({ grantId, responder, eventId, timestamp: Number(timestamp), blockNumber: log.blockNumber, txHash: log.transactionHash })
      }
    }
    events.sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0))
    return { events, toBlock: end }
  } catch (error) {
    throw toChainError(error, client)
  }
}
