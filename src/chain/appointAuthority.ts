import { isAddress, type Account, type Address, type Chain, type Client, type Hash, type Transport } from 'viem'
import { Registry } from './generated/Registry.ts'
import { authorityRoleNames, registryRoles, type AuthorityRoleName } from './registryRoles.ts'
import { sendTransaction } from './sendTransaction.ts'
import { ChainInputError, type WriteChainErrorType } from './chainErrors.ts'

export type AppointAuthorityParameters = { registry: Address; role: AuthorityRoleName; account: Address }
export type AppointAuthorityReturnType = { txHash: Hash; blockNumber: bigint }
export type AppointAuthorityErrorType = WriteChainErrorType | ChainInputError

/** The registrar appoints `account` as an authority (medical council, EMS …); the contract refuses anyone else. */
export async function appointAuthority(
  client: Client<Transport, Chain | undefined, Account>,
  { registry, role, account }: AppointAuthorityParameters,
): Promise<AppointAuthorityReturnType> {
  if (!(authorityRoleNames as readonly string[]).includes(role)) throw new ChainInputError('That is not an authority role.', `role ${role}`)
  if (!isAddress(account, { strict: false })) throw new ChainInputError('Enter the account address of the new authority (0x followed by 40 hex digits).', 'account')
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: registry,
    abi: Registry.abi,
    functionName: 'appointAuthority',
    args: [registryRoles[role], account],
  })
  return { txHash, blockNumber }
}
