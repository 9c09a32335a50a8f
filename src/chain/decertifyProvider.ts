import { isAddress, type Account, type Address, type Chain, type Client, type Hash, type Transport } from 'viem'
import { Registry } from './generated/Registry.ts'
import { providerRoleNames, registryRoles, type ProviderRoleName } from './registryRoles.ts'
import { sendTransaction } from './sendTransaction.ts'
import { ChainInputError, type WriteChainErrorType } from './chainErrors.ts'

export type DecertifyProviderParameters = { registry: Address; role: ProviderRoleName; account: Address }
export type DecertifyProviderReturnType = { txHash: Hash; blockNumber: bigint }
export type DecertifyProviderErrorType = WriteChainErrorType | ChainInputError

/** An authority withdraws a certification: the account loses the role and its entry leaves the directory at once. */
export async function decertifyProvider(
  client: Client<Transport, Chain | undefined, Account>,
  { registry, role, account }: DecertifyProviderParameters,
): Promise<DecertifyProviderReturnType> {
  if (!(providerRoleNames as readonly string[]).includes(role)) throw new ChainInputError('That is not a provider role.', `role ${role}`)
  if (!isAddress(account, { strict: false })) throw new ChainInputError('Enter the account address to decertify (0x followed by 40 hex digits).', 'account')
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: registry,
    abi: Registry.abi,
    functionName: 'decertify',
    args: [registryRoles[role], account],
  })
  return { txHash, blockNumber }
}
