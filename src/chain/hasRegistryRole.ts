import { type Address, type Chain, type Client, type Transport } from 'viem'
import { readContract } from 'viem/actions'
import { Registry } from './generated/Registry.ts'
import { registryRoles, type RegistryRoleName } from './registryRoles.ts'
import { type ReadChainErrorType, toChainError } from './chainErrors.ts'

export type HasRegistryRoleParameters = { registry: Address; role: RegistryRoleName; account: Address }
export type HasRegistryRoleReturnType = boolean

export type HasRegistryRoleErrorType = ReadChainErrorType

/** Whether `account` currently holds `role` (e.g. is a certified doctor or responder). */
export async function hasRegistryRole(
  client: Client<Transport, Chain | undefined>,
  { registry, role, account }: HasRegistryRoleParameters,
): Promise<HasRegistryRoleReturnType> {
  try {
    return await readContract(client, {
      address: registry,
      abi: Registry.abi,
      functionName: 'hasRole',
      args: [registryRoles[role], account],
    })
  } catch (error) {
    throw toChainError(error, client)
  }
}
