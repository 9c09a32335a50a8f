// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { Consent } from '../generated/Consent.ts'
import { ChainInputError, type ReadChainErrorType, toChainError } from '../chainErrors.ts'
import type { ConsentPublicClient } from './consentClients.ts'

export type IsGrantActiveParameters = { consent: Address; grantId: bigint }

export type IsGrantActiveErrorType = ReadChainErrorType | ChainInputError

/** Known, not revoked, not expired, as of the latest block: what a proxy checks before each re-encryption. */
export async function isGrantActive(client: ConsentPublicClient, { consent, grantId }: IsGrantActiveParameters): Promise<boolean> {
  if (typeof grantId !== 'bigint' || grantId < 0n) throw new ChainInputError('That grant id is not valid.', `grantId ${String(grantId)}`)
  try {
    return await readContract(client, { address: consent, abi: Consent.abi, functionName: 'isActive', args: [grantId] })
  } catch (error) {
    throw toChainError(error, client)
  }
}
