import { isAddress, type Account, type Address, type Chain, type Client, type Hash, type Transport } from 'viem'
import { Registry } from './generated/Registry.ts'
import { authorityRoleNames, registryRoles, type AuthorityRoleName } from './registryRoles.ts'
import { sendTransaction } from './sendTransaction.ts'
import { ChainInputError, type WriteChainErrorType } from './chainErrors.ts'

export type DismissAuthorityParameters = { registry: Address; role: AuthorityRoleName; account: Address }
export type DismissAuthorityReturnType = { txHash: Hash; blockNumber: bigint }
export type DismissAuthorityErrorType = WriteChainErrorType | ChainInputError

/**
 * The registrar dismisses an authority; it can no longer certify or decertify. The
 * providers it certified stay certified until a new authority of that kind decertifies them.
 */
export async function dismissAuthority(
  client: Client<Transport, Chain | undefined, Account>,
  { registry, role, account }: DismissAuthorityParameters,
): Promise<DismissAuthorityReturnType> {
  if (!(authorityRoleNames as readonly string[]).includes(role)) throw new ChainInputError('That is not an authority role.', `role ${role}`)
  if (!isAddress(account, { strict: false })) throw new ChainInputError('Enter the account address of the authority (0x followed by 40 hex digits).', 'account')
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: registry,
    abi: Registry.abi,
    functionName: 'dismissAuthority',
    args: [registryRoles[role], account],
  })
  return { txHash, blockNumber }
}
