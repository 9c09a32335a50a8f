import type { Account, Address, Chain, Client, Hash, Transport } from 'viem'
import { Registry } from './generated/Registry.ts'
import { authorityRoleNames, providerRoleNames, registryRoles, type RegistryRoleName } from './registryRoles.ts'
import { sendTransaction } from './sendTransaction.ts'
import { ChainInputError, type WriteChainErrorType } from './chainErrors.ts'

export type GrantRegistryRoleParameters = {
  registry: Address
  /** An authority role (the registrar appoints) or a provider role (its authority certifies). */
  role: Exclude<RegistryRoleName, 'registrar'>
  account: Address
}

export type GrantRegistryRoleReturnType = { txHash: Hash; blockNumber: bigint }

export type GrantRegistryRoleErrorType = WriteChainErrorType | ChainInputError

/**
 * Appoints an authority or certifies a provider; the contract checks that the
 * caller is the registrar or the matching authority.
 */
export async function grantRegistryRole(
  client: Client<Transport, Chain | undefined, Account>,
  { registry, role, account }: GrantRegistryRoleParameters,
): Promise<GrantRegistryRoleReturnType> {
  const isAuthority = (authorityRoleNames as readonly string[]).includes(role)
  if (!isAuthority && !(providerRoleNames as readonly string[]).includes(role)) {
    throw new ChainInputError('That role cannot be granted.', `role ${role}`)
  }
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: registry,
    abi: Registry.abi,
    functionName: isAuthority ? 'appointAuthority' : 'certify',
    args: [registryRoles[role], account],
  })
  return { txHash, blockNumber }
}
