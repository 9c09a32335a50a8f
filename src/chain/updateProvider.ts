import type { Account, Address, Chain, Client, Hash, Transport } from 'viem'
import { Registry } from './generated/Registry.ts'
import { assertProviderProfile, type ProviderProfile } from './providerEntry.ts'
import { sendTransaction } from './sendTransaction.ts'
import type { WriteChainErrorType } from './chainErrors.ts'

export type UpdateProviderParameters = { registry: Address; profile: ProviderProfile }
export type UpdateProviderReturnType = { txHash: Hash; blockNumber: bigint }

export type UpdateProviderErrorType = WriteChainErrorType

/** Replaces the caller's directory profile, e.g. to publish a new peer ID or Umbral key. */
export async function updateProvider(
  client: Client<Transport, Chain | undefined, Account>,
  { registry, profile }: UpdateProviderParameters,
): Promise<UpdateProviderReturnType> {
  assertProviderProfile(profile)
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: registry,
    abi: Registry.abi,
    functionName: 'updateProvider',
    args: [profile],
  })
  return { txHash, blockNumber }
}
