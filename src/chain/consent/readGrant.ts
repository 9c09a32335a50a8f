// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { ChainInputError } from '../chainErrors.ts'
import { Consent } from '../generated/Consent.ts'
import { toConsentError, type ConsentPublicClient } from './consentErrors.ts'

export type ReadGrantParameters = { consent: Address; grantId: bigint }

export type GrantState = {
  grantId: bigint
  grantee: Address
  pseudonym: bigint
  scopesMask: number
  /** Unix seconds. */
  expiry: number
  threshold: number
  revoked: boolean
  /** Unix seconds of the grantee's last access session, 0 if none. */
  lastSession: number
}

/**
 * A grant as the chain holds it now; an unknown id throws ConsentRefusedError (Consent__UnknownGrant).
 * The proxies' commitment and the bundle CID are not stored: they are in GrantCreated
 * (getGrantEvents), checkable with grantIdOf.
 */
export async function readGrant(client: ConsentPublicClient, { consent, grantId }: ReadGrantParameters): Promise<GrantState> {
  if (typeof grantId !== 'bigint' || grantId < 1n) throw new ChainInputError('That grant id is not valid.', `grantId ${String(grantId)}`)
  try {
    const [grant, lastSession] = await Promise.all([
      readContract(client, { address: consent, abi: Consent.abi, functionName: 'grantInfo', args: [grantId] }),
      readContract(client, { address: consent, abi: Consent.abi, functionName: 'lastSession', args: [grantId] }),
    ])
    return {
      grantId,
      grantee: grant.grantee,
      pseudonym: grant.pseudonym,
      scopesMask: grant.scopesMask,
      expiry: grant.expiry,
      threshold: grant.threshold,
      revoked: grant.revoked,
      lastSession: Number(lastSession),
    }
  } catch (error) {
    throw toConsentError(error, client)
  }
}
