// SPDX-License-Identifier: GPL-3.0-or-later
import type { CID } from 'multiformats/cid'
import type { Address } from 'viem'
import { getGrantEvents, type GetGrantEventsErrorType } from './getGrantEvents.ts'
import { UnexpectedChainDataError } from '../chainErrors.ts'
import type { ConsentPublicClient } from './consentClients.ts'

export type ReadGrantBundleParameters = { consent: Address; fromBlock: bigint; grantId: bigint; grantee: Address }

export type ReadGrantBundleReturnType = { bundleCid: CID; proxiesHash: bigint }

export type ReadGrantBundleErrorType = GetGrantEventsErrorType

/**
 * The grant's current key-fragment bundle: its GrantCreated, or the last GrantReissued
 * (the patient rotated a scope's key and gave this grant fragments for the new epoch).
 */
export async function readGrantBundle(client: ConsentPublicClient, { consent, fromBlock, grantId, grantee }: ReadGrantBundleParameters): Promise<ReadGrantBundleReturnType> {
  const { events } = await getGrantEvents(client, { consent, fromBlock, grantee })
  let current: ReadGrantBundleReturnType | undefined
  for (const event of events) {
    if (event.grantId !== grantId || (event.type !== 'GrantCreated' && event.type !== 'GrantReissued')) continue
    if (!event.bundleCid) throw new UnexpectedChainDataError(`grant ${grantId} names a key bundle that is not a CID`)
    current = { bundleCid: event.bundleCid, proxiesHash: event.proxiesHash }
  }
  if (!current) throw new UnexpectedChainDataError(`grant ${grantId} of ${grantee} has no GrantCreated event`)
  return current
}
