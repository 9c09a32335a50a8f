import type { Account, Address, Chain, Client, Hash, Transport } from 'viem'
import { Registry } from './generated/Registry.ts'
import { assertProviderProfile, type ProviderProfile } from './providerEntry.ts'
import { registryRoles, type ProviderRoleName } from './registryRoles.ts'
import { sendTransaction } from './sendTransaction.ts'
import type { WriteChainErrorType } from './chainErrors.ts'

export type RegisterProviderParameters = {
  registry: Address
  /** The role the account was certified for and is listed under. */
  role: ProviderRoleName
  profile: ProviderProfile
}

export type RegisterProviderReturnType = { txHash: Hash; blockNumber: bigint }

export type RegisterProviderErrorType = WriteChainErrorType

/** A certified provider lists themself in the directory (Registry__NotCertified otherwise). */
export async function registerProvider(
  client: Client<Transport, Chain | undefined, Account>,
  { registry, role, profile }: RegisterProviderParameters,
): Promise<RegisterProviderReturnType> {
  assertProviderProfile(profile)
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: registry,
    abi: Registry.abi,
    functionName: 'registerProvider',
    args: [registryRoles[role], profile],
  })
  return { txHash, blockNumber }
}
