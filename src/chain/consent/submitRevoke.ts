// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address, Hash } from 'viem'
import { Consent } from '../generated/Consent.ts'
import { checkConsentProof } from './consentProof.ts'
import { ChainInputError, type WriteChainErrorType } from '../chainErrors.ts'
import type { ConsentWalletClient } from './consentClients.ts'
import { sendTransaction } from '../sendTransaction.ts'

export type SubmitRevokeParameters = {
  consent: Address
  grantId: bigint
  /** A consent proof of the grant's pseudonym bound to revokeParamsHash({ chainId, consent, grantId }). */
  proof: readonly bigint[]
}

export type SubmitRevokeReturnType = { txHash: Hash; blockNumber: bigint }

export type SubmitRevokeErrorType = WriteChainErrorType | ChainInputError

/** Revokes a grant. Any account may send it (a relayer or a throwaway key keeps the patient's wallet off chain). */
export async function submitRevoke(client: ConsentWalletClient, { consent, grantId, proof }: SubmitRevokeParameters): Promise<SubmitRevokeReturnType> {
  if (typeof grantId !== 'bigint' || grantId < 1n) throw new ChainInputError('That grant id is not valid.', `grantId ${String(grantId)}`)
  const { txHash, receipt } = await sendTransaction(client, {
    address: consent,
    abi: Consent.abi,
    functionName: 'revoke',
    args: [grantId, checkConsentProof(proof)],
  })
  return { txHash, blockNumber: receipt.blockNumber }
}
