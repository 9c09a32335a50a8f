import { type Address, type Chain, type Client, type Transport } from 'viem'
import { readContract } from 'viem/actions'
import { Registry } from './generated/Registry.ts'
import { parseProviderEntry, type ProviderEntry } from './providerEntry.ts'
import { registryRoles, type ProviderRoleName } from './registryRoles.ts'
import { type ReadChainErrorType, toChainError } from './chainErrors.ts'

export type ListApplicantsParameters = {
  registry: Address
  role: ProviderRoleName
  /** Read at most this many (default 200): anyone may apply, so the list could be long. */
  limit?: number
}

/** Entries written for `role` by accounts that do not hold it (their `active` is false). */
export type ListApplicantsReturnType = ProviderEntry[]
export type ListApplicantsErrorType = ReadChainErrorType

const pageSize = 25

/** The applications for a provider role, for its authority to check and certify. Malformed entries are skipped. */
export async function listApplicants(
  client: Client<Transport, Chain | undefined>,
  { registry, role, limit = 200 }: ListApplicantsParameters,
): Promise<ListApplicantsReturnType> {
  try {
    const roleId = registryRoles[role]
    const size = await readContract(client, { address: registry, abi: Registry.abi, functionName: 'applicantCount', args: [roleId] })
    const total = Math.min(Number(size), limit)
    const entries: ProviderEntry[] = []
    for (let start = 0; start < total; start += pageSize) {
      const indexes = Array.from({ length: Math.min(pageSize, total - start) }, (_, i) => BigInt(start + i))
      const page = await Promise.all(
        indexes.map((index) =>
          readContract(client, { address: registry, abi: Registry.abi, functionName: 'applicantAt', args: [roleId, index] }),
        ),
      )
      for (const raw of page) {
        const entry = parseProviderEntry(raw)
        if (entry && entry.role === role) entries.push(entry)
      }
    }
    return entries
  } catch (error) {
    throw toChainError(error, client)
  }
}
