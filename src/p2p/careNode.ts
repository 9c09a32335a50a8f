import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import * as dagCbor from '@ipld/dag-cbor'
import type { Helia } from '@helia/interface'
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p'
import { circuitRelayServer, circuitRelayTransport, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { identify, identifyPush, type Identify, type IdentifyPush } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { FsBlockstore } from 'blockstore-fs'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { FsDatastore } from 'datastore-fs'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import { withBlockExchange, type BlockExchangeOptions } from './blockExchange.ts'
import { P2pConfigError } from './p2pErrors.ts'
import { MailboxStore, type MailboxQuota } from './mailboxStore.ts'
import { serveMailboxProtocol, type ServeMailboxProtocolParameters } from './serveMailboxProtocol.ts'
import { createReencryptPool, type ReencryptPool } from './reencryptPool.ts'
import { PinLedger, type PinLedgerParameters } from './pinLedger.ts'
import { deleteHead } from './serveHeadProtocol.ts'
import { servePinProtocol, type ServePinProtocolParameters } from './servePinProtocol.ts'
import { serveShlFiles, type ShlFileServer } from './serveShlFiles.ts'
import { ShlFileStore, type ShlLimits } from './shlFileStore.ts'
import { serveSharing, type ServeSharingParameters, type Sharing } from './serveSharing.ts'

export type CareNodeServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  relay: CircuitRelayService
}

export type CareNodeHelia = Helia & HeliaWithLibp2p<CareNodeServices>

export interface StartCareNodeParameters {
  port: number
  /** Interface to listen on; also the address announced. Defaults to 127.0.0.1. */
  host?: string
  /** The node's libp2p key, e.g. from its key file (careNodeKeyFile.ts). */
  peerKey?: PrivateKey
  /** 32 bytes; a stable peer ID across restarts (tests). Without it or peerKey, a random key. */
  peerKeySeed?: Uint8Array
  /**
   * Addresses to publish instead of the listening ones, e.g. `/dns4/care.example.org/tcp/443/wss`
   * behind a TLS proxy (pages served over https can only dial wss).
   */
  announce?: string[]
  /** Blocks and pins on disk here; in memory when absent (tests). */
  storageDir?: string
  pin?: Omit<ServePinProtocolParameters, 'ledger' | 'onLeftovers'>
  /** Patient identities: quota, lifetime, registration work and rate (pinLedger.ts). */
  identities?: Omit<PinLedgerParameters, 'datastore'>
  /** Mailboxes (`/salus/mailbox/1.0.0`): quotas and request rate (mailboxStore.ts). */
  mailbox?: { quota?: Partial<MailboxQuota> } & Pick<ServeMailboxProtocolParameters, 'rateLimit' | 'maxConcurrentRequests'>
  /** Pins and heads past their lifetime are dropped, and unpinned blocks deleted, this often; default 10 min. */
  gcIntervalMs?: number
  /** Limits of the block exchange (defaults in blockProtocol.ts) and its event hook. */
  blockExchange?: BlockExchangeOptions
  /** Manifest heads always; re-encryption too when `sharing.proxy` is given. */
  sharing?: ServeSharingParameters
  /** Circuit relay v2 limits; the defaults are `defaultRelayLimits`. */
  relay?: Partial<RelayLimits>
  /**
   * Worker threads that re-encrypt for the proxy (default: the cores less one, at
   * least one); 0 re-encrypts in the main thread.
   */
  reencryptThreads?: number
  /**
   * The HTTP endpoint for SMART Health Link files (serveShlFiles.ts); none when absent.
   * `publicUrl` is what patients put into links (a TLS proxy in front, e.g.
   * https://care.example.org); defaults to the listening address.
   */
  http?: { port: number; host?: string; publicUrl?: string; shl?: Partial<ShlLimits> }
}

export type RelayLimits = {
  /** A relayed connection is closed after this long (it carries signalling until WebRTC is up). */
  durationLimitMs: number
  /** …or once this many bytes went through it, whichever comes first. */
  dataLimitBytes: bigint
  /** Peers holding a reservation at once (one reservation per peer). */
  maxReservations: number
  reservationTtlMs: number
  /** Relayed connections one peer connection may open (hop) or receive (stop) at once. */
  maxCircuitsPerConnection: number
}

/**
 * Tight enough that one peer cannot hold the node's bandwidth: a relayed connection
 * lasts two minutes and carries 32 MiB at most, 16 at once per peer connection.
 * Browsers relay only signalling and small messages; records come from care nodes
 * over direct connections or over WebRTC.
 */
export const defaultRelayLimits: RelayLimits = {
  durationLimitMs: 2 * 60_000,
  dataLimitBytes: 32n * 1024n * 1024n,
  maxReservations: 1_000,
  reservationTtlMs: 30 * 60_000,
  maxCircuitsPerConnection: 16,
}

export interface CareNode {
  helia: CareNodeHelia
  peerId: string
  /** Dialable addresses with /p2p/<peer id>, for config.relays and config.careNodes. */
  multiaddrs: string[]
  sharing: Sharing
  /** Identities and what each keeps. */
  ledger: PinLedger
  /** Sealed entries waiting for their owners, in the node's datastore. */
  mailbox: MailboxStore
  /** The HTTP endpoint's public base URL (SHL files), when `http` was given. */
  httpUrl?: string
  /** SMART Health Link files (kept in the node's datastore). */
  shlFiles: ShlFileStore
  /** Drops pins, heads, mailbox entries and SHL files whose lifetime has passed, then deletes unpinned blocks (also run every gcIntervalMs). */
  sweep(): Promise<{ pins: number; heads: number; mailbox: number; shlFiles: number }>
  stop(): Promise<void>
}

/**
 * An always-on peer for Node: WebSockets listener, circuit relay v2 server for
 * browsers, the block exchange (`/salus/blocks/1.0.0`), `/salus/pin/1.0.0` and `/salus/mailbox/1.0.0`. It stores ciphertext
 * blocks and sealed mailbox entries only.
 */
export async function startCareNode(parameters: StartCareNodeParameters): Promise<CareNode> {
  const { port, host = '127.0.0.1' } = parameters
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new P2pConfigError(`bad port ${port}`)
  if (parameters.peerKeySeed !== undefined && parameters.peerKeySeed.byteLength !== 32) {
    throw new P2pConfigError('peerKeySeed must be 32 bytes')
  }
  const relayLimits: RelayLimits = { ...defaultRelayLimits, ...parameters.relay }
  const { blockstore, datastore } = await openStores(parameters.storageDir)
  const privateKey = parameters.peerKey ?? (parameters.peerKeySeed ? await generateKeyPairFromSeed('Ed25519', parameters.peerKeySeed) : undefined)
  const helia = withBlockExchange(
    withLibp2pLight(createHeliaLight({ blockstore, datastore, codecs: [dagCbor, json] }), {
      ...(privateKey ? { privateKey } : {}),
      addresses: { listen: [`/ip4/${host}/tcp/${port}/ws`, '/webrtc'], ...(parameters.announce ? { announce: parameters.announce } : {}) },
      transports: [webSockets(), webRTC({ rtcConfiguration: { iceServers: [] } }), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // Many patients reach a care node from one address (a NAT, a relay, or loopback on the local
      // network): libp2p's default of 5 new inbound connections a second per host dropped
      // handshakes under load; per-peer rate limits and quotas guard the protocols instead.
      connectionManager: { maxConnections: 1_000, inboundConnectionThreshold: 50 },
      services: {
        identify: identify(),
        // Bitswap and our protocols register after connections open; push tells peers.
        identifyPush: identifyPush(),
        ping: ping(),
        relay: circuitRelayServer({
          reservations: {
            maxReservations: relayLimits.maxReservations,
            reservationTtl: relayLimits.reservationTtlMs,
            // Enforced by the relay in milliseconds (libp2p sends this same number in the
            // protocol's duration field, which clients read as seconds).
            defaultDurationLimit: relayLimits.durationLimitMs,
            defaultDataLimit: relayLimits.dataLimitBytes,
            applyDefaultLimit: true,
          },
          maxInboundHopStreams: relayLimits.maxCircuitsPerConnection,
          maxOutboundStopStreams: relayLimits.maxCircuitsPerConnection,
        }),
      },
    }),
    { localStore: blockstore, ...parameters.blockExchange },
  ) as CareNodeHelia
  try {
    await helia.start()
  } catch (error) {
    await closeStores(blockstore, datastore)
    throw new P2pConfigError(`the care node could not listen on ${host}:${port}`, { cause: error })
  }
  const ledger = new PinLedger({ ...parameters.identities, datastore })
  // One collection at a time, and none while a pin request holds fetched but unpinned
  // blocks (it would delete them); a skipped collection happens at the next sweep.
  let collecting: Promise<void> | undefined
  const collection = { busy: 0, idle: async () => void (await collecting) }
  const collect = (): Promise<void> => {
    if (collection.busy > 0) return Promise.resolve()
    collecting ??= helia.gc().catch(() => {}).finally(() => {
      collecting = undefined
    })
    return collecting
  }
  const mailbox = new MailboxStore({ datastore, ...(parameters.mailbox?.quota ? { quota: parameters.mailbox.quota } : {}) })
  const shlFiles = new ShlFileStore(datastore, parameters.http?.shl)
  const sweep = async (): Promise<{ pins: number; heads: number; mailbox: number; shlFiles: number }> => {
    const expired = await ledger.expired()
    for (const { key, cid } of expired.pins) {
      await ledger.exclusive(key, async () => {
        const { lastHolder } = await ledger.releasePin(key, cid)
        if (!lastHolder) return
        try {
          for await (const _ of helia.pins.rm(CID.parse(cid))) void _
        } catch {
          // not pinned (any more): nothing to drop
        }
      })
    }
    for (const { key, slot } of expired.heads) {
      await ledger.exclusive(key, async () => {
        if (await ledger.releaseHead(key, slot)) await deleteHead(datastore, slot)
      })
    }
    const mailboxEntries = await mailbox.sweep()
    const droppedShlFiles = await shlFiles.sweep()
    await collect()
    return { pins: expired.pins.length, heads: expired.heads.length, mailbox: mailboxEntries, shlFiles: droppedShlFiles }
  }
  const unserveMailbox = await serveMailboxProtocol(helia, {
    store: mailbox,
    ...(parameters.mailbox?.rateLimit ? { rateLimit: parameters.mailbox.rateLimit } : {}),
    ...(parameters.mailbox?.maxConcurrentRequests ? { maxConcurrentRequests: parameters.mailbox.maxConcurrentRequests } : {}),
  })
  const unserve = await servePinProtocol(helia, { ...parameters.pin, ledger, collection, onLeftovers: () => void collect() })
  let pool: ReencryptPool | undefined
  const sharingParameters: ServeSharingParameters = { ...parameters.sharing, ledger }
  if (sharingParameters.proxy && parameters.reencryptThreads !== 0 && !sharingParameters.proxy.reencryptCapsules) {
    pool = createReencryptPool(parameters.reencryptThreads === undefined ? {} : { threads: parameters.reencryptThreads })
    sharingParameters.proxy = { ...sharingParameters.proxy, reencryptCapsules: pool.reencryptCapsules }
  }
  const sharing = await serveSharing(helia, sharingParameters)
  // Expired pins and heads go; a request that failed half way left fetched but unpinned blocks behind.
  const gc = setInterval(() => void sweep().catch(() => {}), parameters.gcIntervalMs ?? 10 * 60_000)
  gc.unref?.()
  const peerId = helia.libp2p.peerId.toString()
  let httpServer: ShlFileServer | undefined
  if (parameters.http) {
    try {
      httpServer = await serveShlFiles({
        port: parameters.http.port,
        host: parameters.http.host ?? host,
        nodePeerId: peerId,
        files: shlFiles,
        ledger,
        ...(parameters.pin?.log ? { log: parameters.pin.log } : {}),
      })
    } catch (error) {
      clearInterval(gc)
      await unserve().catch(() => {})
      await sharing.stop().catch(() => {})
      await pool?.stop()
      await helia.stop()
      await closeStores(blockstore, datastore)
      throw error
    }
  }
  const multiaddrs = helia.libp2p
    .getMultiaddrs()
    .map((address) => address.toString())
    .filter((address) => /\/wss?\//.test(address))
  return {
    helia,
    peerId,
    multiaddrs,
    sharing,
    ledger,
    mailbox,
    shlFiles,
    ...(httpServer ? { httpUrl: (parameters.http?.publicUrl ?? httpServer.url).replace(/\/$/, '') } : {}),
    sweep,
    async stop() {
      clearInterval(gc)
      await httpServer?.close()
      await collecting
      await unserve().catch(() => {})
      await unserveMailbox().catch(() => {})
      await sharing.stop().catch(() => {})
      await pool?.stop()
      await helia.stop()
      await closeStores(blockstore, datastore)
    },
  }
}

async function openStores(storageDir: string | undefined) {
  if (storageDir === undefined) return { blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }
  const blockstore = new FsBlockstore(join(storageDir, 'blocks'))
  const datastore = new FsDatastore(join(storageDir, 'data'))
  await blockstore.open()
  await datastore.open()
  return { blockstore, datastore }
}

async function closeStores(blockstore: object, datastore: object): Promise<void> {
  for (const store of [blockstore, datastore]) {
    if (store instanceof FsBlockstore || store instanceof FsDatastore) await store.close().catch(() => {})
  }
}
