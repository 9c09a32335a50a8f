// SPDX-License-Identifier: GPL-3.0-or-later
import type { CID } from 'multiformats/cid'
import { bytesToHex, type Address, type Hash } from 'viem'
import { Consent } from '../generated/Consent.ts'
import { checkConsentProof } from './consentProof.ts'
import { ChainInputError, type WriteChainErrorType } from '../chainErrors.ts'
import type { ConsentWalletClient } from './consentClients.ts'
import { sendTransaction } from '../sendTransaction.ts'

export type SubmitReissueParameters = {
  consent: Address
  grantId: bigint
  /** The bundle the grant has now (its last GrantCreated or GrantReissued). */
  previous: { proxiesHash: bigint; bundleCid: CID }
  /** The new bundle, and the salted commitment to its proxies. */
  next: { proxiesHash: bigint; bundleCid: CID }
  /** A consent proof of the grant's pseudonym bound to reissueParamsHash({ chainId, consent, grantId, …next }). */
  proof: readonly bigint[]
}

export type SubmitReissueReturnType = { txHash: Hash; blockNumber: bigint }

export type SubmitReissueErrorType = WriteChainErrorType | ChainInputError

/** Gives an active grant a new key-fragment bundle. Any account may send it: the proof is the patient's. */
export async function submitReissue(client: ConsentWalletClient, { consent, grantId, previous, next, proof }: SubmitReissueParameters): Promise<SubmitReissueReturnType> {
  if (typeof grantId !== 'bigint' || grantId < 1n) throw new ChainInputError('That grant id is not valid.', `grantId ${String(grantId)}`)
  const { txHash, receipt } = await sendTransaction(client, {
    address: consent,
    abi: Consent.abi,
    functionName: 'reissue',
    args: [
      grantId,
      { previousProxiesHash: previous.proxiesHash, previousBundleCid: bytesToHex(previous.bundleCid.bytes), proxiesHash: next.proxiesHash, bundleCid: bytesToHex(next.bundleCid.bytes) },
      checkConsentProof(proof),
    ],
  })
  return { txHash, blockNumber: receipt.blockNumber }
}
