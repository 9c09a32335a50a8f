// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address } from 'viem'
import { getChainId, readContract } from 'viem/actions'
import { grantParamsHash, type GrantTerms } from '../../zk/grantHash.ts'
import { Consent } from '../generated/Consent.ts'
import { type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { ConsentPublicClient } from './consentClients.ts'
import type { ProofInputError } from '../../zk/zkErrors.ts'

export type GrantIdOfParameters = { consent: Address; params: GrantTerms }

export type GrantIdOfErrorType = ReadChainErrorType | ProofInputError

/**
 * The grant recorded with exactly these parameters (0n: none). The contract stores only
 * their hash, so this is how a reader checks that a GrantCreated event's proxiesHash and
 * bundle CID are the ones the grant's proof was bound to. The hash binds the deployment
 * too: `consent` and the chain the client is connected to (Consent hashes block.chainid
 * and address(this)). Throws ProofInputError on parameters that have no hash (they cannot
 * belong to any grant).
 */
export async function grantIdOf(client: ConsentPublicClient, { consent, params }: GrantIdOfParameters): Promise<bigint> {
  try {
    const chainId = client.chain?.id ?? (await getChainId(client))
    const paramsHash = await grantParamsHash({ ...params, chainId, consent })
    return await readContract(client, { address: consent, abi: Consent.abi, functionName: 'grantIdOf', args: [paramsHash] })
  } catch (error) {
    throw toChainError(error, client)
  }
}
