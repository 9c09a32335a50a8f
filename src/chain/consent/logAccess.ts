// SPDX-License-Identifier: GPL-3.0-or-later
import { isAddressEqual, parseEventLogs, type Address, type Hash } from 'viem'
import { Consent } from '../generated/Consent.ts'
import { ChainInputError, UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import type { ConsentWalletClient } from './consentClients.ts'
import { sendTransaction } from '../sendTransaction.ts'

export type LogAccessParameters = {
  consent: Address
  grantId: bigint
  /** The scopes this session reads: a subset of the grant's. */
  scopesMask: number
}

export type LogAccessReturnType = { sessionId: bigint; timestamp: number; txHash: Hash; blockNumber: bigint }

export type LogAccessErrorType = WriteChainErrorType | ChainInputError

/** The grantee opens an access session; proxies re-encrypt only within SESSION_TTL of it. */
export async function logAccess(client: ConsentWalletClient, { consent, grantId, scopesMask }: LogAccessParameters): Promise<LogAccessReturnType> {
  if (typeof grantId !== 'bigint' || grantId < 1n) throw new ChainInputError('That grant id is not valid.', `grantId ${String(grantId)}`)
  if (!Number.isSafeInteger(scopesMask) || scopesMask <= 0 || scopesMask > 0xffff_ffff) {
    throw new ChainInputError('Choose at least one record scope to open.', `scopesMask ${scopesMask}`)
  }
  const { txHash, receipt } = await sendTransaction(client, {
    address: consent,
    abi: Consent.abi,
    functionName: 'logAccess',
    args: [grantId, scopesMask],
  })
  const [event] = parseEventLogs({ abi: Consent.abi, eventName: 'AccessLogged', logs: receipt.logs }).filter((log) =>
    isAddressEqual(log.address, consent),
  )
  if (!event) throw new UnexpectedChainDataError(`no AccessLogged event in transaction ${txHash}`)
  return { sessionId: event.args.sessionId, timestamp: Number(event.args.timestamp), txHash, blockNumber: receipt.blockNumber }
}
