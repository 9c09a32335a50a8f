// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address, Hash } from 'viem'
import { deployContract, waitForTransactionReceipt } from 'viem/actions'
import { Consent } from '../generated/Consent.ts'
import { ConsentVerifier } from '../generated/ConsentVerifier.ts'
import { UnexpectedChainDataError } from '../chainErrors.ts'
import type { ConsentWalletClient } from './consentClients.ts'

export type ContractDeployed = { address: Address; deployBlock: number }

export type DeployConsentReturnType = { consent: ContractDeployed; consentVerifier: ContractDeployed }

/** Deploys the consent Groth16 verifier and Consent (whose grant hashes are keccak256: no Poseidon contract). */
export async function deployConsent(client: ConsentWalletClient): Promise<DeployConsentReturnType> {
  // One after the other: they share the deployer's nonce.
  const consentVerifier = await mined(
    client,
    await deployContract(client, { abi: ConsentVerifier.abi, bytecode: ConsentVerifier.bytecode, args: [], chain: client.chain, account: client.account }),
  )
  const consent = await mined(
    client,
    await deployContract(client, {
      abi: Consent.abi,
      bytecode: Consent.bytecode,
      args: [consentVerifier.address],
      chain: client.chain,
      account: client.account,
    }),
  )
  return { consent, consentVerifier }
}

async function mined(client: ConsentWalletClient, hash: Hash): Promise<ContractDeployed> {
  const receipt = await waitForTransactionReceipt(client, { hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new UnexpectedChainDataError(`deployment ${hash} failed`)
  return { address: receipt.contractAddress, deployBlock: Number(receipt.blockNumber) }
}
