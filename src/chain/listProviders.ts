import { type Address, type Chain, type Client, type Transport } from 'viem'
import { readContract } from 'viem/actions'
import { Registry } from './generated/Registry.ts'
import { parseProviderEntry, type ProviderEntry } from './providerEntry.ts'
import type { ProviderRoleName } from './registryRoles.ts'
import { type ReadChainErrorType, toChainError } from './chainErrors.ts'

export type ListProvidersParameters = {
  registry: Address
  /** Only entries listed under this role (default: all). */
  role?: ProviderRoleName
  /** Also return certified providers' entries they hid themselves (default: false). Applications and decertified entries are never here. */
  includeInactive?: boolean
  /** Read at most this many entries (default 1,000): the directory is public and could be spammed by authorities (applications are kept apart: listApplicants). */
  limit?: number
}

export type ListProvidersReturnType = ProviderEntry[]

const pageSize = 25

export type ListProvidersErrorType = ReadChainErrorType

/**
 * The provider directory: entries whose account holds their role now (contracts/Registry.sol
 * keeps applications and decertified entries out). Order is not stable. Malformed entries are skipped.
 */
export async function listProviders(
  client: Client<Transport, Chain | undefined>,
  { registry, role, includeInactive = false, limit = 1_000 }: ListProvidersParameters,
): Promise<ListProvidersReturnType> {
  try {
    const size = await readContract(client, { address: registry, abi: Registry.abi, functionName: 'directorySize' })
    const total = Math.min(Number(size), limit)
    const entries: ProviderEntry[] = []
    // Anvil has no multicall3; pages of parallel reads (batched by the HTTP transport) instead.
    for (let start = 0; start < total; start += pageSize) {
      const indexes = Array.from({ length: Math.min(pageSize, total - start) }, (_, i) => BigInt(start + i))
      const page = await Promise.all(
        indexes.map((index) =>
          readContract(client, { address: registry, abi: Registry.abi, functionName: 'providerAt', args: [index] }),
        ),
      )
      for (const raw of page) {
        const entry = parseProviderEntry(raw)
        if (entry && (includeInactive || entry.active) && (!role || entry.role === role)) entries.push(entry)
      }
    }
    return entries
  } catch (error) {
    throw toChainError(error, client)
  }
}
