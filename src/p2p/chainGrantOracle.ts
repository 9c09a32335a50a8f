import { CID } from 'multiformats/cid'
import { hexToBytes, type Address } from 'viem'
import { getBlockNumber, getChainId, readContract } from 'viem/actions'
import { getGrantEvents } from '../chain/consent/getGrantEvents.ts'
import { grantIdOf } from '../chain/consent/grantIdOf.ts'
import { readGrant, type GrantState as ChainGrantState } from '../chain/consent/readGrant.ts'
import { Consent } from '../chain/generated/Consent.ts'
import { readProvider } from '../chain/readProvider.ts'
import { hasRegistryRole } from '../chain/hasRegistryRole.ts'
import { readBreakGlassAt } from '../chain/emergency/readBreakGlassAt.ts'
import { Emergency } from '../chain/generated/Emergency.ts'
import { scopes } from '../core/scopes.ts'
import { ProofInputError } from '../zk/zkErrors.ts'
import type { EmergencyOracle, GrantOracle, GrantState } from './grantOracle.ts'
import { ContractRefusedError } from '../chain/chainErrors.ts'
import type { ConsentPublicClient } from '../chain/consent/consentClients.ts'

export type ChainGrantOracleParameters = {
  consent: Address
  registry: Address
  /** Consent's deployment block: events are read from here on. */
  fromBlock: bigint
  /** How long a grantee's directory key is trusted before it is read again. */
  granteeKeyTtlMs?: number
  /** The Emergency contract: break-glass reads of emergency cards are answered only with it. */
  emergency?: Address
}

/** Syncs one grant() may wait for: the one in flight and a fresh one (a third only if a sync fails to start fresh). */
const maxSyncRounds = 3

export type ChainGrantOracle = GrantOracle & {
  /** Reads new GrantCreated events (bundle CIDs) up to the latest block; returns them for prefetching. */
  sync(): Promise<{ created: bigint[]; revoked: bigint[] }>
}

/**
 * The proxy's view of the Consent contract. Grant state and sessions are read from
 * the contract on every call (revocation takes effect at once); only the bundle CID
 * and the proxies' commitment, which the contract emits in GrantCreated and keeps only
 * inside the grant's params hash, come from the event cache, and they are checked once
 * per grant against that hash (grantIdOf).
 */
export function chainGrantOracle(client: ConsentPublicClient, parameters: ChainGrantOracleParameters): ChainGrantOracle {
  const { consent, registry, granteeKeyTtlMs = 60_000 } = parameters
  // The grant's current bundle: from GrantCreated, replaced by each GrantReissued (events come in chain order).
  const announced = new Map<bigint, { bundleCid: CID; proxiesHash: bigint }>()
  // `${grantId}:${cid}` → bound to the grant now (grantIdOf). A reissue supersedes a bundle, so a
  // positive answer is read again when the grant's announced bundle changes (another key).
  const checked = new Map<string, boolean>()
  let chainId: Promise<number> | undefined
  let nextBlock = parameters.fromBlock
  let syncing: Promise<{ created: bigint[]; revoked: bigint[] }> | undefined
  // Syncs begun so far, and the ordinal of the one in flight: tells a caller whether a
  // sync it joins began after what it read, so covers the blocks that read saw.
  let syncsBegun = 0
  let syncingOrdinal = 0
  // One contract read serves the grant() and lastSession() a request makes together.
  const reads = new Map<bigint, Promise<ChainGrantState | undefined>>()
  const keys = new Map<string, { key: Uint8Array | undefined; until: number }>()
  let ttl: Promise<number> | undefined

  const sync = () => {
    if (syncing) return syncing
    syncingOrdinal = ++syncsBegun
    syncing = (async () => {
      try {
        // Uncached: viem caches the block number for a polling interval, and a sync that
        // must see a grant just read from the chain needs the head as it is now.
        const head = await getBlockNumber(client, { cacheTime: 0 })
        const { events, toBlock } = await getGrantEvents(client, { consent, fromBlock: nextBlock, toBlock: head })
        const created: bigint[] = []
        const revoked: bigint[] = []
        for (const event of events) {
          if ((event.type === 'GrantCreated' || event.type === 'GrantReissued') && event.bundleCid) {
            announced.set(event.grantId, { bundleCid: event.bundleCid, proxiesHash: event.proxiesHash })
            created.push(event.grantId)
          } else if (event.type === 'GrantReissued') announced.delete(event.grantId)
          else if (event.type === 'GrantRevoked') revoked.push(event.grantId)
        }
        // A lagging RPC node may report an older head than a previous sync saw.
        if (toBlock + 1n > nextBlock) nextBlock = toBlock + 1n
        return { created, revoked }
      } finally {
        syncing = undefined
      }
    })()
    return syncing
  }

  /**
   * Syncs until one begun after `mark` (a value of syncsBegun) has finished, or `isKnown`.
   * Joining the sync in flight is not enough: it may have read the head before the block
   * the caller just read from, and then a fresh grant would be answered without its bundle.
   */
  const syncSince = async (mark: number, isKnown: () => boolean) => {
    for (let round = 0; round < maxSyncRounds && !isKnown(); round++) {
      const ordinal = syncing ? syncingOrdinal : syncsBegun + 1
      await sync()
      if (ordinal > mark) return
    }
  }

  const read = (grantId: bigint) => {
    let pending = reads.get(grantId)
    if (!pending) {
      pending = readGrant(client, { consent, grantId }).catch((error: unknown) => {
        if (error instanceof ContractRefusedError && error.errorName === 'Consent__UnknownGrant') return undefined
        throw error
      })
      reads.set(grantId, pending)
      const forget = () => reads.delete(grantId)
      pending.then(forget, forget)
    }
    return pending
  }

  const readSession = async (grantId: bigint, scopeIndex: number): Promise<number> => {
    try {
      return Number(await readContract(client, { address: consent, abi: Consent.abi, functionName: 'lastSession', args: [grantId, BigInt(scopeIndex)] }))
    } catch {
      return 0 // an unknown grant: grant() says so
    }
  }

  // A CID the proof did not bind is not this grant's bundle: serve nothing from it.
  const checkedBundle = async (grantId: bigint, state: ChainGrantState): Promise<{ bundleCid: string; proxiesHash: bigint }> => {
    const event = announced.get(grantId)
    if (!event) return { bundleCid: '', proxiesHash: 0n }
    const key = `${grantId}:${event.bundleCid.toString()}`
    let bound = checked.get(key)
    if (bound === undefined) {
      const { grantee, scopesMask, expiry, threshold } = state
      const params = { grantee, scopesMask, expiry, threshold, ...event }
      // Parameters that cannot be hashed belong to no grant; a failed read is not cached.
      const found = await grantIdOf(client, { consent, params }).catch((error: unknown) => {
        if (error instanceof ProofInputError) return 0n
        throw error
      })
      bound = found === grantId
      // Only a bound bundle is remembered: an RPC node behind the one that served the event
      // may not know a fresh grant or reissue yet, and must not refuse it for good.
      if (bound) checked.set(key, bound)
    }
    return bound ? { bundleCid: event.bundleCid.toString(), proxiesHash: event.proxiesHash } : { bundleCid: '', proxiesHash: 0n }
  }

  return {
    sync,
    ...(parameters.emergency ? { emergency: emergencyOracle(client, { registry, emergency: parameters.emergency }) } : {}),
    async grant(grantId) {
      if (grantId < 1n) return undefined
      const state = await read(grantId)
      if (!state) return undefined
      // The grant exists on chain, so a sync begun after this read sees its event
      // (unless its bundle bytes are no CID: then it is never announced).
      await syncSince(syncsBegun, () => announced.has(grantId))
      const [{ bundleCid, proxiesHash }, chain] = await Promise.all([
        checkedBundle(grantId, state),
        (chainId ??= getChainId(client).catch((error: unknown) => {
          chainId = undefined
          throw error
        })),
      ])
      const result: GrantState = {
        grantee: state.grantee,
        scopesMask: state.scopesMask,
        expiry: state.expiry,
        revoked: state.revoked,
        bundleCid,
        threshold: state.threshold,
        pseudonym: state.pseudonym,
        proxiesHash,
        chainId: chain,
        consent,
      }
      return result
    },
    async lastSession(grantId, scope) {
      const index = scopes.indexOf(scope)
      if (grantId < 1n || index < 0) return 0
      return readSession(grantId, index)
    },
    async granteeKey(grantee) {
      const cached = keys.get(grantee.toLowerCase())
      if (cached && cached.until > Date.now()) return cached.key
      const entry = await readProvider(client, { registry, account: grantee })
      const key = entry?.active ? hexToBytes(entry.umbralPublicKey) : undefined
      keys.set(grantee.toLowerCase(), { key, until: Date.now() + granteeKeyTtlMs })
      return key
    },
    sessionTtl() {
      ttl ??= readContract(client, { address: consent, abi: Consent.abi, functionName: 'SESSION_TTL' }).then(Number, (error: unknown) => {
        ttl = undefined
        throw error
      })
      return ttl
    },
  }
}

/** Role and break-glass events read from the chain on every call (a decertification takes effect at once). */
function emergencyOracle(client: ConsentPublicClient, { registry, emergency }: { registry: Address; emergency: Address }): EmergencyOracle {
  let ttl: Promise<number> | undefined
  return {
    isResponder: (account) => hasRegistryRole(client, { registry, role: 'responder', account }),
    breakGlassAt: (grantId, responder) => readBreakGlassAt(client, { emergency, grantId, responder }),
    breakGlassTtl() {
      ttl ??= readContract(client, { address: emergency, abi: Emergency.abi, functionName: 'BREAK_GLASS_TTL' }).then(Number, (error: unknown) => {
        ttl = undefined
        throw error
      })
      return ttl
    },
  }
}
