import type { BlockBroker, BlockRetrievalOptions, Helia } from '@helia/interface'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromCID, peerIdFromString } from '@libp2p/peer-id'
import { isMultiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { verifyBlock } from '../core/blocks.ts'
import { SalusError } from '../errors/salusError.ts'
import { blockProtocol, defaultBlockExchangeLimits, type BlockExchangeLimits } from './blockProtocol.ts'
import { BlockSession, BlockStalledError } from './blockSession.ts'
import { serveBlocks, type LocalBlocks } from './serveBlocks.ts'

/** No peer sent a block before the caller's deadline (or within 60 s when there is none). */
export class BlockUnavailableError extends SalusError {
  override name = 'BlockUnavailableError' as const
  constructor(cid: CID, parameters: { details?: string; cause?: unknown } = {}) {
    super('Part of this record could not be fetched from the patient or the care nodes. Check your connection and try again; if the patient is offline, the care nodes may not have it yet.', {
      details: parameters.details ?? `no peer sent block ${cid.toString()}`,
      cause: parameters.cause,
    })
  }
}

export type BlockExchangeEvent =
  | { type: 'lied' | 'stalled' | 'broke-protocol'; peer: string; cid: string; reason: string }
  | { type: 'violation'; peer: string; reason: string }

export type BlockExchangeOptions = Partial<BlockExchangeLimits> & {
  /** What went wrong with which peer: for tests and the care node's log. */
  onEvent?: (event: BlockExchangeEvent) => void
  /**
   * The node's own store, read once per want (Helia's blockstore reads twice, under its GC
   * lock: two IndexedDB transactions in a browser). A block deleted meanwhile is `missing`.
   */
  localStore?: { get(cid: CID): Iterable<Uint8Array> | AsyncIterable<Uint8Array> }
}

type Candidate = { peerId: PeerId; addrs?: Multiaddr[] }
type Components = { libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'getConnections' | 'dial' | 'peerStore' | 'peerId'>; blockstore: Helia['blockstore'] }

/** A peer that sent wrong bytes is asked last for this long. */
const distrustMs = 10 * 60_000

/**
 * Salus's Helia block broker: blocks over `/salus/blocks/1.0.0`, one long-lived stream per
 * peer with many wants in flight (blockProtocol.ts), instead of @helia/bitswap's stream
 * per message (a new WebRTC data channel and a protocol negotiation, ~55 ms in a browser,
 * for every block). Asks the caller's providers in order, then connected peers that speak
 * the protocol; a peer that has not answered within `hedgeAfterMs` gets company, one that
 * says it lacks the block, stalls past `wantTimeoutMs`, closes, breaks the protocol or sends
 * bytes that do not hash to the CID is passed over for the next. Nothing is returned (and
 * so nothing stored by Helia) that does not verify against its CID.
 */
export class BlockExchange implements BlockBroker {
  readonly name = 'salus-blocks'
  private readonly limits: BlockExchangeLimits
  private readonly sessions = new Map<string, BlockSession>()
  private readonly opening = new Map<string, Promise<BlockSession>>()
  private readonly distrusted = new Map<string, number>()
  private unserve: (() => Promise<void>) | undefined

  constructor(private readonly components: Components, private readonly options: BlockExchangeOptions = {}) {
    const { onEvent: _, localStore: __, ...limits } = options
    this.limits = { ...defaultBlockExchangeLimits, ...limits }
  }

  async start(): Promise<void> {
    if (this.unserve) return
    const { blockstore } = this.components
    const store = this.options.localStore
    const local: LocalBlocks = {
      get: async (cid) => {
        try {
          return await concat(store ? store.get(cid) : blockstore.get(cid, { offline: true }))
        } catch (error) {
          if (error instanceof Error && (error.name === 'NotFoundError' || error.name === 'BlockNotFoundWhileOfflineError')) return undefined
          throw error
        }
      },
    }
    this.unserve = await serveBlocks(this.components.libp2p, {
      blocks: local,
      limits: this.limits,
      onViolation: (peer, reason) => this.options.onEvent?.({ type: 'violation', peer, reason }),
    })
  }

  async stop(): Promise<void> {
    await this.unserve?.()
    this.unserve = undefined
    for (const session of this.sessions.values()) session.retire()
    this.sessions.clear()
  }

  async retrieve(cid: CID, options: BlockRetrievalOptions = {}): Promise<Uint8Array> {
    const outer = options.signal ?? AbortSignal.timeout(60_000)
    const done = new AbortController()
    const signal = AbortSignal.any([outer, done.signal])
    const validate = options.validateFn ?? ((bytes: Uint8Array) => verifyBlock(cid, bytes))
    try {
      for (let round = 0; ; round++) {
        const block = await this.race(cid, this.candidates(options.providers), signal, validate)
        if (block) return block
        // Nobody has it yet (a pin still arriving, a peer still connecting): ask again shortly.
        await sleep(Math.min(250 * 2 ** round, 2_000), signal)
      }
    } catch (error) {
      if (outer.aborted) throw new BlockUnavailableError(cid, { cause: outer.reason })
      throw error
    } finally {
      done.abort()
    }
  }

  /**
   * The providers named by the caller in their order (distrusted ones last), then, only
   * once those are used up, connected peers speaking the protocol (a peer store read each).
   */
  private candidates(providers: BlockRetrievalOptions['providers']): { first: Candidate[]; more(): Promise<Candidate[]> } {
    const seen = new Set<string>([this.components.libp2p.peerId.toString()])
    const now = Date.now()
    const distrusted = (candidate: Candidate) => (this.distrusted.get(candidate.peerId.toString()) ?? 0) > now
    const ordered = (list: Candidate[]) => [...list.filter((c) => !distrusted(c)), ...list.filter(distrusted)]
    const first: Candidate[] = []
    for (const provider of providers ?? []) {
      const candidate = toCandidate(provider)
      if (!candidate || seen.has(candidate.peerId.toString())) continue
      seen.add(candidate.peerId.toString())
      first.push(candidate)
    }
    const more = async () => {
      const list: Candidate[] = []
      for (const connection of this.components.libp2p.getConnections()) {
        const key = connection.remotePeer.toString()
        if (connection.status !== 'open' || seen.has(key)) continue
        seen.add(key)
        const peer = await this.components.libp2p.peerStore.get(connection.remotePeer).catch(() => undefined)
        if (peer?.protocols.includes(blockProtocol)) list.push({ peerId: connection.remotePeer })
      }
      return ordered(list)
    }
    return { first: ordered(first), more }
  }

  /** Asks the candidates one after another (the next one also after `hedgeAfterMs` of silence); the first verified block wins. */
  private race(cid: CID, candidates: ReturnType<BlockExchange['candidates']>, signal: AbortSignal, validate: (bytes: Uint8Array) => Promise<void>): Promise<Uint8Array | undefined> {
    return new Promise((resolve) => {
      const peers = [...candidates.first]
      let extended = false
      let next = 0
      let pending = 0
      let settled = false
      let hedge: ReturnType<typeof setTimeout> | undefined
      const finish = (block: Uint8Array | undefined) => {
        if (settled) return
        settled = true
        clearTimeout(hedge)
        signal.removeEventListener('abort', onAbort)
        resolve(block)
      }
      const onAbort = () => finish(undefined)
      const launch = () => {
        clearTimeout(hedge)
        if (settled) return
        if (next >= peers.length && !extended) {
          extended = true
          pending += 1
          void candidates.more().then((more) => {
            pending -= 1
            peers.push(...more)
            launch()
          }, () => {
            pending -= 1
            launch()
          })
          return
        }
        const peer = peers[next++]
        if (!peer) {
          if (pending === 0) finish(undefined)
          return
        }
        pending += 1
        hedge = setTimeout(launch, this.limits.hedgeAfterMs)
        this.ask(peer, cid, signal, validate).then(
          (block) => {
            pending -= 1
            if (block) finish(block)
            else launch()
          },
          () => {
            pending -= 1
            launch()
          },
        )
      }
      signal.addEventListener('abort', onAbort, { once: true })
      launch()
    })
  }

  /** One peer's answer: the verified block, or undefined (missing, refused, stalled, closed, lied). */
  private async ask(peer: Candidate, cid: CID, signal: AbortSignal, validate: (bytes: Uint8Array) => Promise<void>): Promise<Uint8Array | undefined> {
    const session = await this.session(peer, signal)
    let answer
    try {
      answer = await session.want(cid, signal)
    } catch (error) {
      if (error instanceof BlockStalledError) {
        // Silent this long with wants open: the session dropped its stream; the next want opens a fresh one.
        this.options.onEvent?.({ type: 'stalled', peer: session.peer, cid: cid.toString(), reason: error.details ?? error.message })
      } else if (!signal.aborted) {
        this.options.onEvent?.({ type: 'broke-protocol', peer: session.peer, cid: cid.toString(), reason: error instanceof Error ? error.message : String(error) })
      }
      return undefined
    }
    if (!('block' in answer)) return undefined
    try {
      await validate(answer.block)
    } catch (error) {
      const now = Date.now()
      for (const [peer, until] of this.distrusted) if (until <= now) this.distrusted.delete(peer)
      this.distrusted.set(session.peer, now + distrustMs)
      this.options.onEvent?.({ type: 'lied', peer: session.peer, cid: cid.toString(), reason: error instanceof Error ? error.message : String(error) })
      session.abort(new Error('sent a block that does not match its CID'))
      return undefined
    }
    return answer.block
  }

  /** The peer's open session, or a new stream on its best connection (a direct one over a relayed one). */
  private async session(peer: Candidate, signal: AbortSignal): Promise<BlockSession> {
    const key = peer.peerId.toString()
    const current = this.sessions.get(key)
    const best = bestConnection(this.components.libp2p.getConnections(peer.peerId))
    if (current?.usable && (best === undefined || current.connection === best || best.limits !== undefined)) return current
    const opening = this.opening.get(key)
    if (opening) return opening
    const open = (async () => {
      const connection = best ?? (await this.components.libp2p.dial(peer.addrs ?? peer.peerId, { signal }))
      const stream = await connection.newStream(blockProtocol, { signal, runOnLimitedConnection: true })
      const session = new BlockSession(stream, connection, this.limits.wantsInFlightPerPeer, this.limits.wantTimeoutMs, (closed) => {
        if (this.sessions.get(key) === closed) this.sessions.delete(key)
      })
      this.sessions.get(key)?.retire()
      this.sessions.set(key, session)
      return session
    })()
    this.opening.set(key, open)
    try {
      return await open
    } finally {
      this.opening.delete(key)
    }
  }
}

/** Adds the Salus block exchange to a Helia node as its block broker (in place of bitswap). */
export function withBlockExchange<T extends Helia & { libp2p: Components['libp2p'] }>(helia: T, options: BlockExchangeOptions = {}): T {
  helia.addMixin({
    name: 'salus-blocks',
    start: async (node: T) => {
      if (node.status === 'starting' && !node.hasBlockBroker('salus-blocks')) {
        const broker = new BlockExchange({ libp2p: node.libp2p, blockstore: node.blockstore }, options)
        await broker.start()
        // Helia stops (and restarts) its block brokers itself.
        node.addBlockBroker(broker)
      }
    },
  })
  return helia
}

function bestConnection(connections: Connection[]): Connection | undefined {
  const open = connections.filter((connection) => connection.status === 'open')
  return open.find((connection) => connection.limits === undefined) ?? open[0]
}

function toCandidate(provider: CID | Multiaddr | Multiaddr[]): Candidate | undefined {
  try {
    if (isMultiaddr(provider)) return fromAddrs([provider])
    if (Array.isArray(provider)) return fromAddrs(provider)
    const cid = CID.asCID(provider)
    return cid ? { peerId: peerIdFromCID(cid) } : undefined
  } catch {
    return undefined
  }
}

function fromAddrs(addrs: Multiaddr[]): Candidate | undefined {
  const id = addrs[0]?.getComponents().findLast((component) => component.name === 'p2p')?.value
  return id ? { peerId: peerIdFromString(id), addrs } : undefined
}

async function concat(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of chunks) parts.push(part)
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted()
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop)
      resolve()
    }, ms)
    const stop = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', stop, { once: true })
  })
}
