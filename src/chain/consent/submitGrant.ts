// SPDX-License-Identifier: GPL-3.0-or-later
import { CID } from 'multiformats/cid'
import { bytesToHex, isAddressEqual, parseEventLogs, type Address, type Hash, type Hex } from 'viem'
import { Consent } from '../generated/Consent.ts'
import { checkConsentProof, checkFieldElement } from './consentProof.ts'
import { ChainInputError, UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import type { ConsentWalletClient } from './consentClients.ts'
import { sendTransaction } from '../sendTransaction.ts'

/** Consent.MAX_BUNDLE_CID_LENGTH */
export const maxBundleCidBytes = 128

export type SubmitGrantParameters = {
  /** Address of the Consent contract. */
  consent: Address
  /** Exactly the values the patient's proof is bound to (src/zk/grantHash.ts). */
  params: {
    grantee: Address
    scopesMask: number
    expiry: bigint
    proxiesHash: bigint
    threshold: number
    bundleCid: CID | string
  }
  /** The proof's first public signal. */
  pseudonym: bigint
  proof: readonly bigint[]
}

export type SubmitGrantReturnType = { grantId: bigint; txHash: Hash; blockNumber: bigint; gasUsed: bigint }

export type SubmitGrantErrorType = WriteChainErrorType | ChainInputError

/** The doctor records a patient's consent: the doctor's account sends it and pays the gas. */
export async function submitGrant(
  client: ConsentWalletClient,
  { consent, params, pseudonym, proof }: SubmitGrantParameters,
): Promise<SubmitGrantReturnType> {
  if (!isAddressEqual(client.account.address, params.grantee)) {
    throw new ChainInputError('This consent names another doctor. Only that doctor’s account can record it.', `grantee ${params.grantee}`)
  }
  const bundleCid = bundleCidBytes(params.bundleCid)
  if (!Number.isSafeInteger(params.scopesMask) || params.scopesMask <= 0 || params.scopesMask > 0xffff_ffff) {
    throw new ChainInputError('The consent names no valid record scope.', `scopesMask ${params.scopesMask}`)
  }
  if (!Number.isInteger(params.threshold) || params.threshold < 1 || params.threshold > 255) {
    throw new ChainInputError('The consent’s proxy threshold is not valid.', `threshold ${params.threshold}`)
  }
  if (params.expiry <= BigInt(Math.floor(Date.now() / 1000)) - 60n) throw new ChainInputError('This consent has already expired. Ask the patient for a new one.')
  const { txHash, receipt } = await sendTransaction(client, {
    address: consent,
    abi: Consent.abi,
    functionName: 'grant',
    args: [
      { ...params, proxiesHash: checkFieldElement(params.proxiesHash, 'proxiesHash'), bundleCid },
      checkFieldElement(pseudonym, 'pseudonym'),
      checkConsentProof(proof),
    ],
  })
  const [event] = parseEventLogs({ abi: Consent.abi, eventName: 'GrantCreated', logs: receipt.logs }).filter((log) =>
    isAddressEqual(log.address, consent),
  )
  if (!event) throw new UnexpectedChainDataError(`no GrantCreated event in transaction ${txHash}`)
  return { grantId: event.args.grantId, txHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed }
}

/** The binary CID the contract hashes (cidToField in grantHash.ts hashes the same bytes). */
export function bundleCidBytes(cid: CID | string): Hex {
  let parsed: CID
  try {
    parsed = typeof cid === 'string' ? CID.parse(cid) : cid
  } catch (cause) {
    throw new ChainInputError('The consent’s key bundle address is not a valid content ID.', String(cause))
  }
  if (parsed.bytes.length > maxBundleCidBytes) throw new ChainInputError('The consent’s key bundle address is too long.')
  return bytesToHex(parsed.bytes)
}
