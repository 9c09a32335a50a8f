// SPDX-License-Identifier: GPL-3.0-or-later
import { CID } from 'multiformats/cid'
import { hexToBytes, isAddressEqual, type Address, type Hash } from 'viem'
import { getBlockNumber, getContractEvents } from 'viem/actions'
import { Consent } from '../generated/Consent.ts'
import { ChainInputError, type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { ConsentPublicClient } from './consentClients.ts'

export type GetGrantEventsParameters = {
  consent: Address
  /** Usually config.contracts.Consent.deployBlock, or the last block already cached. */
  fromBlock: bigint
  toBlock?: bigint
  /** Only this doctor's grants and sessions (and the revocations of those grants). */
  grantee?: Address
  /** Blocks per eth_getLogs request; public RPCs cap the range. */
  blockRange?: bigint
}

type EventPosition = { blockNumber: bigint; logIndex: number; txHash: Hash }

export type ConsentEvent =
  | ({
      type: 'GrantCreated'
      grantId: bigint
      grantee: Address
      pseudonym: bigint
      scopesMask: number
      expiry: number
      threshold: number
      /** The salted commitment to the proxies the proof was bound to. */
      proxiesHash: bigint
      /** The key-fragment bundle, or undefined when the bytes are not a CID (then no proxy can serve it). */
      bundleCid: CID | undefined
    } & EventPosition)
  | ({ type: 'GrantRevoked'; grantId: bigint } & EventPosition)
  /** The patient gave the grant a new key-fragment bundle (after rotating a scope); the last one is the grant's. */
  | ({ type: 'GrantReissued'; grantId: bigint; proxiesHash: bigint; bundleCid: CID | undefined } & EventPosition)
  | ({ type: 'AccessLogged'; grantId: bigint; sessionId: bigint; grantee: Address; scopesMask: number; timestamp: number } & EventPosition)

export type GetGrantEventsReturnType = { events: ConsentEvent[]; toBlock: bigint }

export type GetGrantEventsErrorType = ReadChainErrorType | ChainInputError

/** Consent's events in a block range, oldest first; `toBlock` says where a cache can resume. */
export async function getGrantEvents(
  client: ConsentPublicClient,
  { consent, fromBlock, toBlock, grantee, blockRange = 10_000n }: GetGrantEventsParameters,
): Promise<GetGrantEventsReturnType> {
  if (fromBlock < 0n || blockRange < 1n) throw new ChainInputError('That block range is not valid.', `from ${fromBlock}, range ${blockRange}`)
  try {
    const end = toBlock ?? (await getBlockNumber(client))
    const events: ConsentEvent[] = []
    for (let start = fromBlock; start <= end; start += blockRange) {
      const stop = start + blockRange - 1n < end ? start + blockRange - 1n : end
      const logs = await getContractEvents(client, { address: consent, abi: Consent.abi, fromBlock: start, toBlock: stop, strict: true })
      for (const log of logs) {
        const position = { blockNumber: log.blockNumber, logIndex: log.logIndex, txHash: log.transactionHash }
        if (log.eventName === 'GrantCreated') {
          const { grantId, grantee: to, pseudonym, scopesMask, expiry, threshold, proxiesHash, bundleCid } = log.args
          events.push({ type: 'GrantCreated', grantId, grantee: to, pseudonym, scopesMask, expiry: Number(expiry), threshold, proxiesHash, bundleCid: parseCid(bundleCid), ...position })
        } else if (log.eventName === 'GrantRevoked') {
          events.push({ type: 'GrantRevoked', grantId: log.args.grantId, ...position })
        } else if (log.eventName === 'GrantReissued') {
          const { grantId, proxiesHash, bundleCid } = log.args
          events.push({ type: 'GrantReissued', grantId, proxiesHash, bundleCid: parseCid(bundleCid), ...position })
        } else if (log.eventName === 'AccessLogged') {
          const { grantId, sessionId, grantee: by, scopesMask, timestamp } = log.args
          events.push({ type: 'AccessLogged', grantId, sessionId, grantee: by, scopesMask, timestamp: Number(timestamp), ...position })
        }
      }
    }
    events.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1))
    return { events: grantee ? onlyGrantee(events, grantee) : events, toBlock: end }
  } catch (error) {
    throw toChainError(error, client)
  }
}

function onlyGrantee(events: ConsentEvent[], grantee: Address): ConsentEvent[] {
  const theirs = new Set(events.filter((e) => e.type === 'GrantCreated' && isAddressEqual(e.grantee, grantee)).map((e) => e.grantId))
  return events.filter((e) => theirs.has(e.grantId))
}

function parseCid(bytes: `0x${string}`): CID | undefined {
  try {
    return CID.decode(hexToBytes(bytes))
  } catch {
    return undefined
  }
}
