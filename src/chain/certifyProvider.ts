import { isAddress, type Account, type Address, type Chain, type Client, type Hash, type Transport } from 'viem'
import { Registry } from './generated/Registry.ts'
import { providerRoleNames, registryRoles, type ProviderRoleName } from './registryRoles.ts'
import { sendTransaction } from './sendTransaction.ts'
import { ChainInputError, type WriteChainErrorType } from './chainErrors.ts'

export type CertifyProviderParameters = { registry: Address; role: ProviderRoleName; account: Address }
export type CertifyProviderReturnType = { txHash: Hash; blockNumber: bigint }
export type CertifyProviderErrorType = WriteChainErrorType | ChainInputError

/**
 * An authority certifies `account` for the provider role it oversees; an application
 * of that account for that role enters the directory. The contract refuses any other authority.
 */
export async function certifyProvider(
  client: Client<Transport, Chain | undefined, Account>,
  { registry, role, account }: CertifyProviderParameters,
): Promise<CertifyProviderReturnType> {
  if (!(providerRoleNames as readonly string[]).includes(role)) throw new ChainInputError('That is not a provider role.', `role ${role}`)
  if (!isAddress(account, { strict: false })) throw new ChainInputError('Enter the account address to certify (0x followed by 40 hex digits).', 'account')
  const { txHash, blockNumber } = await sendTransaction(client, {
    address: registry,
    abi: Registry.abi,
    functionName: 'certify',
    args: [registryRoles[role], account],
  })
  return { txHash, blockNumber }
}
