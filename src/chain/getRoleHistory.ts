import type { Address, Chain, Client, Hash, Transport } from 'viem'
import { getBlock, getBlockNumber, getContractEvents } from 'viem/actions'
import { Registry } from './generated/Registry.ts'
import { registryRoles, type RegistryRoleName } from './registryRoles.ts'
import { ChainInputError, type ReadChainErrorType, toChainError } from './chainErrors.ts'

export type GetRoleHistoryParameters = {
  registry: Address
  role: RegistryRoleName
  account: Address
  /** Usually config.contracts.Registry.deployBlock. */
  fromBlock: bigint
  toBlock?: bigint
  /** Blocks per eth_getLogs request; public RPCs cap the range. */
  blockRange?: bigint
}

/** One change of the role: `held` after it. Certify/decertify and appoint/dismiss emit these too (AccessControl). */
export type RoleChange = { held: boolean; timestamp: number; blockNumber: bigint; logIndex: number; txHash: Hash }

export type GetRoleHistoryReturnType = { changes: RoleChange[]; toBlock: bigint }

export type GetRoleHistoryErrorType = ReadChainErrorType | ChainInputError

/**
 * Every RoleGranted and RoleRevoked of `role` for `account`, oldest first, with its
 * block's timestamp: whether the account held the role at a past time follows from it.
 */
export async function getRoleHistory(
  client: Client<Transport, Chain | undefined>,
  { registry, role, account, fromBlock, toBlock, blockRange = 10_000n }: GetRoleHistoryParameters,
): Promise<GetRoleHistoryReturnType> {
  if (fromBlock < 0n || blockRange < 1n) throw new ChainInputError('That block range is not valid.', `from ${fromBlock}, range ${blockRange}`)
  try {
    const end = toBlock ?? (await getBlockNumber(client, { cacheTime: 0 }))
    const found: Omit<RoleChange, 'timestamp'>[] = []
    for (let start = fromBlock; start <= end; start += blockRange) {
      const stop = start + blockRange - 1n < end ? start + blockRange - 1n : end
      for (const eventName of ['RoleGranted', 'RoleRevoked'] as const) {
        const logs = await getContractEvents(client, {
          address: registry,
          abi: Registry.abi,
          eventName,
          args: { role: registryRoles[role], account },
          fromBlock: start,
          toBlock: stop,
          strict: true,
        })
        for (const log of logs) {
          found.push({ held: eventName === 'RoleGranted', blockNumber: log.blockNumber, logIndex: log.logIndex, txHash: log.transactionHash })
        }
      }
    }
    found.sort((a, b) => (a.blockNumber !== b.blockNumber ? (a.blockNumber < b.blockNumber ? -1 : 1) : a.logIndex - b.logIndex))
    const times = new Map<bigint, number>()
    for (const change of found) {
      if (!times.has(change.blockNumber)) times.set(change.blockNumber, Number((await getBlock(client, { blockNumber: change.blockNumber })).timestamp))
    }
    return { changes: found.map((c) => ({ ...c, timestamp: times.get(c.blockNumber)! })), toBlock: end }
  } catch (error) {
    if (error instanceof ChainInputError) throw error
    throw toChainError(error, client)
  }
}
