import * as dagCbor from '@ipld/dag-cbor'
import type { Helia } from '@helia/interface'
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { IDBBlockstore } from 'blockstore-idb'
import { IDBDatastore } from 'datastore-idb'
import { createHeliaLight } from 'helia'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import * as json from 'multiformats/codecs/json'
import { withBlockExchange, type BlockExchangeOptions } from './blockExchange.ts'
import { keepRelays } from './keepRelays.ts'
import { libp2pDefaults, type BrowserLibp2pServices } from './libp2pDefaults.browser.ts'
import { P2pConfigError } from './p2pErrors.ts'

/** A started Helia node with the Salus libp2p services. */
export type SalusNode = Helia & HeliaWithLibp2p<BrowserLibp2pServices>

export interface CreateBrowserNodeParameters {
  /** Wallet address; every store is namespaced by it so two tabs can be two users. */
  account: string
  /** 32 bytes from `deriveKeys`, so the user keeps one peer ID on every device. */
  peerKeySeed: Uint8Array
  /** Relay multiaddrs from the network config (care nodes). */
  relays: readonly string[]
  /** Defaults to the account's IndexedDB blockstore `salus:<account>:blocks`. */
  blockstore?: Blockstore
  /** Defaults to the account's IndexedDB datastore `salus:<account>:data`. */
  datastore?: Datastore
  iceServers?: RTCIceServer[]
  /** How long to wait for a first relay reservation before returning; default 5 s. */
  relayWaitMs?: number
  /** Limits of the block exchange (defaults in blockProtocol.ts) and its event hook. */
  blockExchange?: BlockExchangeOptions
}

/** Creates and starts the patient's or doctor's Helia node (the Salus block exchange, no public routing). */
export async function createBrowserNode(parameters: CreateBrowserNodeParameters): Promise<SalusNode> {
  const { account, peerKeySeed, relays } = parameters
  if (!/^0x[0-9a-fA-F]{40}$/.test(account)) throw new P2pConfigError(`not an account address: ${account}`)
  if (!(peerKeySeed instanceof Uint8Array) || peerKeySeed.byteLength !== 32) {
    throw new P2pConfigError('peerKeySeed must be 32 bytes')
  }
  const prefix = `salus:${account.toLowerCase()}`
  const opened: Array<IDBBlockstore | IDBDatastore> = []
  let blockstore = parameters.blockstore
  if (blockstore === undefined) {
    const store = new IDBBlockstore(`${prefix}:blocks`)
    await store.open()
    opened.push(store)
    blockstore = store
  }
  let datastore = parameters.datastore
  if (datastore === undefined) {
    const store = new IDBDatastore(`${prefix}:data`)
    await store.open()
    opened.push(store)
    datastore = store
  }
  const privateKey = await generateKeyPairFromSeed('Ed25519', peerKeySeed)
  // Blocks over one long-lived stream per peer (blockExchange.ts), not bitswap's stream per message.
  const helia = withBlockExchange(
    withLibp2pLight(
      createHeliaLight({ blockstore, datastore, codecs: [dagCbor, json] }),
      libp2pDefaults({ privateKey, relays, ...(parameters.iceServers ? { iceServers: parameters.iceServers } : {}) }),
    ),
    { localStore: blockstore, ...parameters.blockExchange },
  )
  try {
    await helia.start()
  } catch (error) {
    await Promise.allSettled(opened.map((store) => store.close()))
    throw new P2pConfigError('the peer-to-peer node did not start', { cause: error })
  }
  const kept = keepRelays(helia.libp2p, { relays })
  helia.events.addEventListener(
    'stop',
    () => {
      kept.stop()
      // Stores we opened are ours to close.
      void Promise.allSettled(opened.map((store) => store.close()))
    },
    { once: true },
  )
  // One deadline for both steps: a relay that drops packets must not hold up the vault.
  const deadline = Date.now() + (parameters.relayWaitMs ?? 5_000)
  await Promise.race([kept.firstRound, new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())))])
  await untilRelayed(helia as SalusNode, deadline)
  return helia as SalusNode
}

/**
 * Gives a reachable relay a moment to grant its reservation, so the node's circuit
 * and WebRTC addresses are known when it is returned. No relay connected (offline,
 * relays down): return at once, the vault works without the network.
 */
async function untilRelayed(node: SalusNode, deadline: number): Promise<void> {
  while (Date.now() < deadline && node.libp2p.getConnections().length > 0) {
    if (node.libp2p.getMultiaddrs().some((address) => address.toString().includes('/p2p-circuit'))) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
