// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { grantParamsHash, type GrantParams } from '../../zk/grantHash.ts'
import { Consent } from '../generated/Consent.ts'
import { toConsentError, type ConsentPublicClient } from './consentErrors.ts'

export type GrantIdOfParameters = { consent: Address; params: GrantParams }

/**
 * The grant recorded with exactly these parameters (0n: none). The contract stores only
 * their hash, so this is how a reader checks that a GrantCreated event's proxiesHash and
 * bundle CID are the ones the grant's proof was bound to. Throws ProofInputError on
 * parameters that have no hash (they cannot belong to any grant).
 */
export async function grantIdOf(client: ConsentPublicClient, { consent, params }: GrantIdOfParameters): Promise<bigint> {
  const paramsHash = await grantParamsHash(params)
  try {
    return await readContract(client, { address: consent, abi: Consent.abi, functionName: 'grantIdOf', args: [paramsHash] })
  } catch (error) {
    throw toConsentError(error, client)
  }
}
