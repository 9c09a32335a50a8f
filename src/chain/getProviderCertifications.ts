import type { Address, Chain, Client, Hash, Transport } from 'viem'
import { getBlockNumber, getContractEvents } from 'viem/actions'
import { Registry } from './generated/Registry.ts'
import { registryRoles, type RegistryRoleName } from './registryRoles.ts'
import { ChainInputError, toChainError, type ReadChainErrorType } from './chainErrors.ts'

export type GetProviderCertificationsParameters = {
  registry: Address
  role: Exclude<RegistryRoleName, 'registrar'>
  /** Only these accounts' certifications (at most 256). */
  accounts: readonly Address[]
  /** Registry's deployment block. */
  fromBlock: bigint
  toBlock?: bigint
  blockRange?: bigint
}

export type ProviderCertification = { account: Address; authority: Address; certified: boolean; blockNumber: bigint; logIndex: number; txHash: Hash }

export type GetProviderCertificationsReturnType = ProviderCertification[]

export type GetProviderCertificationsErrorType = ReadChainErrorType | ChainInputError

/** Who certified (and decertified) these accounts in `role`, oldest first: ProviderCertified and ProviderDecertified events. */
export async function getProviderCertifications(
  client: Client<Transport, Chain | undefined>,
  { registry, role, accounts, fromBlock, toBlock, blockRange = 10_000n }: GetProviderCertificationsParameters,
): Promise<GetProviderCertificationsReturnType> {
  if (accounts.length > 256) throw new ChainInputError('Ask for at most 256 accounts at once.', `${accounts.length} accounts`)
  if (fromBlock < 0n || blockRange < 1n) throw new ChainInputError('That block range is not valid.', `from ${fromBlock}, range ${blockRange}`)
  if (accounts.length === 0) return []
  try {
    const end = toBlock ?? (await getBlockNumber(client))
    const found: ProviderCertification[] = []
    for (let start = fromBlock; start <= end; start += blockRange) {
      const stop = start + blockRange - 1n < end ? start + blockRange - 1n : end
      const args = { role: registryRoles[role], account: [...accounts] }
      const [certified, decertified] = await Promise.all([
        getContractEvents(client, { address: registry, abi: Registry.abi, eventName: 'ProviderCertified', args, fromBlock: start, toBlock: stop, strict: true }),
        getContractEvents(client, { address: registry, abi: Registry.abi, eventName: 'ProviderDecertified', args, fromBlock: start, toBlock: stop, strict: true }),
      ])
      for (const [logs, isCertified] of [[certified, true], [decertified, false]] as const) {
        for (const log of logs) found.push({ account: log.args.account, authority: log.args.authority, certified: isCertified, blockNumber: log.blockNumber, logIndex: log.logIndex, txHash: log.transactionHash })
      }
    }
    return found.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1))
  } catch (error) {
    throw toChainError(error, client)
  }
}
