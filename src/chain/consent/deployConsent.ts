// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address, Hash } from 'viem'
import { deployContract, waitForTransactionReceipt } from 'viem/actions'
import { UnexpectedChainDataError } from '../chainErrors.ts'
import { Consent } from '../generated/Consent.ts'
import { ConsentVerifier } from '../generated/ConsentVerifier.ts'
import type { ConsentWalletClient } from './consentErrors.ts'
import { deployPoseidon } from './deployPoseidon.ts'

export type ContractDeployed = { address: Address; deployBlock: number }

export type DeployConsentReturnType = { consent: ContractDeployed; consentVerifier: ContractDeployed; poseidon: Record<'t3' | 't4' | 't6', Address> }

/** Deploys the consent Groth16 verifier and Consent, over poseidon-solidity's deterministic hashers. */
export async function deployConsent(client: ConsentWalletClient): Promise<DeployConsentReturnType> {
  // One after the other: they share the deployer's nonce.
  const t3 = await deployPoseidon(client, { width: 'PoseidonT3' })
  const t4 = await deployPoseidon(client, { width: 'PoseidonT4' })
  const t6 = await deployPoseidon(client, { width: 'PoseidonT6' })
  const consentVerifier = await mined(
    client,
    await deployContract(client, { abi: ConsentVerifier.abi, bytecode: ConsentVerifier.bytecode, args: [], chain: client.chain, account: client.account }),
  )
  const consent = await mined(
    client,
    await deployContract(client, {
      abi: Consent.abi,
      bytecode: Consent.bytecode,
      args: [consentVerifier.address, t3, t4, t6],
      chain: client.chain,
      account: client.account,
    }),
  )
  return { consent, consentVerifier, poseidon: { t3, t4, t6 } }
}

async function mined(client: ConsentWalletClient, hash: Hash): Promise<ContractDeployed> {
  const receipt = await waitForTransactionReceipt(client, { hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new UnexpectedChainDataError(`deployment ${hash} failed`)
  return { address: receipt.contractAddress, deployBlock: Number(receipt.blockNumber) }
}
