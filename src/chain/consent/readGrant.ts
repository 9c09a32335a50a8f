// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { Consent } from '../generated/Consent.ts'
import { ChainInputError, type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { ConsentPublicClient } from './consentClients.ts'

export type ReadGrantParameters = {
  consent: Address
  grantId: bigint
  /** Sessions are per scope: with a scope index (src/core/scopes.ts), `lastSession` is that scope's; without, it is not read. */
  sessionScope?: number
}

export type GrantState = {
  grantId: bigint
  grantee: Address
  pseudonym: bigint
  scopesMask: number
  /** Unix seconds. */
  expiry: number
  threshold: number
  revoked: boolean
  /** Unix seconds of the grantee's last access session on `sessionScope`, 0 if none; absent when no scope was asked for. */
  lastSession?: number
}

export type ReadGrantErrorType = ReadChainErrorType | ChainInputError

/**
 * A grant as the chain holds it now; an unknown id throws ContractRefusedError (Consent__UnknownGrant).
 * The proxies' commitment and the bundle CID are not stored: they are in GrantCreated
 * (getGrantEvents), checkable with grantIdOf.
 */
export async function readGrant(client: ConsentPublicClient, { consent, grantId, sessionScope }: ReadGrantParameters): Promise<GrantState> {
  if (typeof grantId !== 'bigint' || grantId < 1n) throw new ChainInputError('That grant id is not valid.', `grantId ${String(grantId)}`)
  if (sessionScope !== undefined && (!Number.isInteger(sessionScope) || sessionScope < 0 || sessionScope > 31)) {
    throw new ChainInputError('That record scope is not valid.', `sessionScope ${String(sessionScope)}`)
  }
  const session = (scopeIndex: number) =>
    readContract(client, { address: consent, abi: Consent.abi, functionName: 'lastSession', args: [grantId, BigInt(scopeIndex)] })
  try {
    const [grant, scoped] = await Promise.all([
      readContract(client, { address: consent, abi: Consent.abi, functionName: 'grantInfo', args: [grantId] }),
      sessionScope === undefined ? undefined : session(sessionScope),
    ])
    return {
      grantId,
      grantee: grant.grantee,
      pseudonym: grant.pseudonym,
      scopesMask: grant.scopesMask,
      expiry: grant.expiry,
      threshold: grant.threshold,
      revoked: grant.revoked,
      ...(scoped === undefined ? {} : { lastSession: Number(scoped) }),
    }
  } catch (error) {
    throw toChainError(error, client)
  }
}
