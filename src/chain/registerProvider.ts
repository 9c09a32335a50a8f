import type { Account, Address, Chain, Client, Hash, Transport } from 'viem'
import { Registry } from './generated/Registry.ts'
import { assertProviderProfile, type ProviderProfile } from './providerEntry.ts'
import { registryRoles, type ProviderRoleName } from './registryRoles.ts'
import { sendTransaction } from './sendTransaction.ts'
import type { WriteChainErrorType } from './chainErrors.ts'

export type RegisterProviderParameters = {
  registry: Address
  /** The role the entry is listed under; an account that does not hold it yet applies for it. */
  role: ProviderRoleName
  profile: ProviderProfile
}

export type RegisterProviderReturnType = { txHash: Hash; blockNumber: bigint }

export type RegisterProviderErrorType = WriteChainErrorType

/**
 * Writes the caller's directory entry: listed at once when the account holds `role`,
 * otherwise an application the role's authority sees (listApplicants) and certifies.
 */
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
