import { type Address, type Chain, type Client, type Transport } from 'viem'
import { readContract } from 'viem/actions'
import { Registry } from './generated/Registry.ts'
import { parseProviderEntry, type ProviderEntry } from './providerEntry.ts'
import { ContractRefusedError, type ReadChainErrorType, toChainError, UnexpectedChainDataError } from './chainErrors.ts'

export type ReadProviderParameters = { registry: Address; account: Address }

/** The directory entry of `account`, or undefined when it has none. */
export type ReadProviderReturnType = ProviderEntry | undefined

export type ReadProviderErrorType = ReadChainErrorType

export async function readProvider(
  client: Client<Transport, Chain | undefined>,
  { registry, account }: ReadProviderParameters,
): Promise<ReadProviderReturnType> {
  let raw
  try {
    raw = await readContract(client, { address: registry, abi: Registry.abi, functionName: 'provider', args: [account] })
  } catch (error) {
    const chainError = toChainError(error, client)
    if (chainError instanceof ContractRefusedError && chainError.errorName === 'Registry__NotRegistered') return undefined
    throw chainError
  }
  const entry = parseProviderEntry(raw)
  if (!entry) throw new UnexpectedChainDataError(`malformed directory entry for ${account}`)
  return entry
}
