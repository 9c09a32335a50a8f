import { type Address, type Chain, type Client, type Transport } from 'viem'
import { readContract } from 'viem/actions'
import { Registry } from './generated/Registry.ts'
import { registryRoles, type RegistryRoleName } from './registryRoles.ts'
import { type ReadChainErrorType, toChainError } from './chainErrors.ts'

export type ListRoleMembersParameters = { registry: Address; role: RegistryRoleName }
/** The accounts holding the role now (with or without a directory entry), in no fixed order. */
export type ListRoleMembersReturnType = Address[]
export type ListRoleMembersErrorType = ReadChainErrorType

/** Who holds a Registry role: the registrar's authorities, or an authority's certified providers. */
export async function listRoleMembers(
  client: Client<Transport, Chain | undefined>,
  { registry, role }: ListRoleMembersParameters,
): Promise<ListRoleMembersReturnType> {
  try {
    // Only the role's admin adds members, so one call reading the whole set stays small.
    const members = await readContract(client, { address: registry, abi: Registry.abi, functionName: 'getRoleMembers', args: [registryRoles[role]] })
    return [...members]
  } catch (error) {
    throw toChainError(error, client)
  }
}
