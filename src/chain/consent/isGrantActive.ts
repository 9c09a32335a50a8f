// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address } from 'viem'
import { readContract } from 'viem/actions'
import { ChainInputError } from '../chainErrors.ts'
import { Consent } from '../generated/Consent.ts'
import { toConsentError, type ConsentPublicClient } from './consentErrors.ts'

export type IsGrantActiveParameters = { consent: Address; grantId: bigint }

/** Known, not revoked, not expired, as of the latest block: what a proxy checks before each re-encryption. */
export async function isGrantActive(client: ConsentPublicClient, { consent, grantId }: IsGrantActiveParameters): Promise<boolean> {
  if (typeof grantId !== 'bigint' || grantId < 0n) throw new ChainInputError('That grant id is not valid.', `grantId ${String(grantId)}`)
  try {
    return await readContract(client, { address: consent, abi: Consent.abi, functionName: 'isActive', args: [grantId] })
  } catch (error) {
    throw toConsentError(error, client)
  }
}
