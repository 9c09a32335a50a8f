// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address, Hash } from 'viem'
import { waitForTransactionReceipt, writeContract } from 'viem/actions'
import { Consent } from '../generated/Consent.ts'
import { checkConsentProof } from './consentProof.ts'
import { ChainInputError, toChainError, UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import type { ConsentWalletClient } from './consentClients.ts'

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
  try {
    const txHash = await writeContract(client, {
      address: consent,
      abi: Consent.abi,
      functionName: 'revoke',
      args: [grantId, checkConsentProof(proof)],
      chain: client.chain,
      account: client.account,
    })
    const receipt = await waitForTransactionReceipt(client, { hash: txHash })
    if (receipt.status !== 'success') throw new UnexpectedChainDataError(`revoke transaction ${txHash} reverted`)
    return { txHash, blockNumber: receipt.blockNumber }
  } catch (error) {
    throw toChainError(error, client)
  }
}
