import type { Address, Hash } from 'viem'
import { deployContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { Insurance } from '../generated/Insurance.ts'
import { Pharmacy } from '../generated/Pharmacy.ts'
import { UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'

export type DeployPharmacyParameters = { registry: Address; insurance: Address }
export type DeployPharmacyReturnType = { pharmacy: { address: Address; deployBlock: bigint } }
export type DeployPharmacyErrorType = WriteChainErrorType

/**
 * Deploys Pharmacy against an existing Registry and Insurance and binds it in Insurance
 * (the only contract that may claim prescription cover). `client` must be the account
 * that deployed Insurance: binding is its deployer's, once.
 */
export async function deployPharmacy(client: PaymentsWalletClient, { registry, insurance }: DeployPharmacyParameters): Promise<DeployPharmacyReturnType> {
  const pharmacy = await mined(
    client,
    await deployContract(client, { abi: Pharmacy.abi, bytecode: Pharmacy.bytecode, args: [registry, insurance], chain: client.chain, account: client.account }),
  )
  await mined(
    client,
    await writeContract(client, { address: insurance, abi: Insurance.abi, functionName: 'bindPharmacy', args: [pharmacy.address], chain: client.chain, account: client.account }),
  )
  return { pharmacy }
}

async function mined(client: PaymentsWalletClient, hash: Hash): Promise<{ address: Address; deployBlock: bigint }> {
  const receipt = await waitForTransactionReceipt(client, { hash })
  if (receipt.status !== 'success') throw new UnexpectedChainDataError(`transaction ${hash} reverted`)
  return { address: receipt.contractAddress ?? ('0x' as Address), deployBlock: receipt.blockNumber }
}
