import type { Helia } from '@helia/interface'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import type { Datastore } from 'interface-datastore'
import { freshNonces, verifyCareAuth, type CareAuth } from './careAuth.ts'
import { fetchDag, type DagBudget } from './fetchDag.ts'
import { messageStream } from './messages.ts'
import { PeerMessageError, PinRequestError } from './p2pErrors.ts'
import { PinLedger, hex } from './pinLedger.ts'
import { peerRateLimit, type PeerRateLimitParameters } from './peerRateLimit.ts'
import { parsePinRequest, pinProtocol, type PinResponse, type SignedPinRequest } from './pinProtocol.ts'

export interface ServePinProtocolParameters {
  /** Blocks one request may make us fetch (all roots together). */
  maxBlocksPerRequest?: number
  /** Bytes one request may make us fetch (all roots together). */
  maxBytesPerRequest?: number
  /** A block no peer sends within this long fails the request with fetch-failed. */
  blockTimeoutMs?: number
  /** Deadline for a whole request, fetching included. */
  requestTimeoutMs?: number
  /** Requests handled at once per connection. */
  maxInboundStreams?: number
  /** Requests handled at once in total; more are answered `busy`. */
  maxConcurrentRequests?: number
  /** Identities, quotas and lifetimes; shared with the head protocol. Made on the node's datastore when absent. */
  ledger?: PinLedger
  /** Requests per peer: `burst` at once, then `perSecond`; more are answered `rate-limited`. */
  rateLimit?: Pick<PeerRateLimitParameters, 'burst' | 'perSecond'>
  /** Called when a refused or failed request may have left unpinned blocks behind (the node collects garbage). */
  onLeftovers?: () => void
  /**
   * Garbage collection must not run while a request has fetched blocks it has not pinned
   * yet: `busy` counts such requests, and a request waits for `idle()` (a collection in
   * progress) before it fetches.
   */
  collection?: { busy: number; idle(): Promise<void> }
  log?: (line: string) => void
}

/**
 * Care node side of `/salus/pin/1.0.0`: check the request's signature (CPU only,
 * before anything is read or stored), register a new identity that shows its
 * registration work while this hour's registrations last, then fetch the requested
 * blocks over the block exchange (from the asking peer first), verify them and pin them within
 * the identity's quota, until the requested lifetime; or unpin. The node stores
 * ciphertext only; it never holds a key. Returns a function that stops serving.
 */
export async function servePinProtocol(
  helia: Pick<Helia, 'blockstore' | 'pins' | 'getCodec'> & {
    libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'peerId'>
    datastore: Datastore
  },
  parameters: ServePinProtocolParameters = {},
): Promise<() => Promise<void>> {
  const limits = {
    blocks: parameters.maxBlocksPerRequest ?? 100_000,
    bytes: parameters.maxBytesPerRequest ?? 2 * 1024 ** 3,
    timeoutMs: parameters.requestTimeoutMs ?? 10 * 60_000,
    blockTimeoutMs: parameters.blockTimeoutMs ?? 30_000,
  }
  const log = parameters.log ?? (() => {})
  const maxActive = parameters.maxConcurrentRequests ?? 16
  let active = 0
  const ledger = parameters.ledger ?? new PinLedger({ datastore: helia.datastore })
  const limiter = peerRateLimit({ burst: 30, perSecond: 1, ...parameters.rateLimit })
  const self = helia.libp2p.peerId.toString()
  const nonces = freshNonces()
  const leftovers = parameters.onLeftovers ?? (() => {})
  const collection = parameters.collection ?? { busy: 0, idle: async () => {} }

  const handler = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(limits.timeoutMs)
    const messages = messageStream(stream)
    let response: PinResponse
    active += 1
    const peer = connection.remotePeer.toString()
    try {
      // Cheapest first: a peer over its rate gets nothing read; a bad signature costs one verification.
      if (!limiter.take(peer)) throw new PinRequestError('rate-limited', 'too many requests from this peer; wait and try again')
      if (active > maxActive) throw new PinRequestError('busy', `${maxActive} pin requests already in progress`)
      const { request, body } = parsePinRequest(await messages.read({ signal }))
      checkAuth(request.auth, body, self, nonces)
      response = await ledger.exclusive(request.auth.key, async () => {
        await ensureRegistered(ledger, request.auth, peer)
        if (request.op === 'unpin') {
          const released = await unpinRoots(helia, ledger, request)
          if (released > 0) leftovers()
          log(`unpinned ${released} root(s) for ${hex(request.auth.key).slice(0, 12)}…`)
          return { ok: true, pinned: released } satisfies PinResponse
        }
        await collection.idle()
        collection.busy += 1
        let dirty = false
        try {
          const providers: CID[] = [connection.remotePeer.toCID()]
          if (request.from !== undefined) providers.unshift(peerIdFromString(request.from).toCID())
          const remaining = await ledger.remaining(request.auth.key)
          const budget: DagBudget = { blocks: Math.min(limits.blocks, remaining.blocks), bytes: Math.min(limits.bytes, remaining.bytes) }
          const expires = ledger.expiryFor(request.lifetime)
          // Several roots at once: each is a round trip or two, and records are small.
          const queue = [...request.cids]
          let pinned = 0
          const worker = async (): Promise<void> => {
            for (let root = queue.shift(); root !== undefined; root = queue.shift()) {
              try {
                const key = root.toString()
                if (await ledger.ownedPin(request.auth.key, key)) {
                  await ledger.holdPin(request.auth.key, key, { bytes: 0, blocks: 0, expires }) // renewal: only the expiry moves
                } else {
                  const { budget: rootBudget, used } = trackedBudget(budget)
                  await pinRoot(helia, { root, budget: rootBudget, signal, providers, blockTimeoutMs: limits.blockTimeoutMs })
                  await ledger.holdPin(request.auth.key, key, { ...used, expires })
                }
              } catch (error) {
                queue.length = 0 // one failure fails the request: start no more roots
                throw error
              }
              pinned += 1
            }
          }
          const results = await Promise.allSettled(Array.from({ length: Math.min(8, queue.length) }, worker))
          const failed = results.find((result) => result.status === 'rejected')
          if (failed) {
            dirty = true
            const reason = failed.reason
            // Which budget ran out, and did the identity's quota (not the per-request limit) set it?
            const quotaBound = (budget.bytes < 0 && remaining.bytes < limits.bytes) || (budget.blocks <= 0 && remaining.blocks < limits.blocks)
            if (quotaBound && reason instanceof PinRequestError && reason.code === 'limit-exceeded') {
              throw new PinRequestError('quota-exceeded', `this identity may keep ${ledger.quota.bytes} bytes and ${ledger.quota.blocks} blocks; ${remaining.bytes} bytes and ${remaining.blocks} blocks were left`)
            }
            throw reason
          }
          log(`pinned ${pinned} root(s) for ${hex(request.auth.key).slice(0, 12)}… until ${expires}`)
          return { ok: true, pinned, expires } satisfies PinResponse
        } finally {
          collection.busy -= 1
          if (dirty) leftovers()
        }
      })
    } catch (error) {
      const refusal = toErrorResponse(error, signal)
      log(`pin request from ${connection.remotePeer.toString()} refused: ${refusal.code}`)
      response = refusal
    } finally {
      active -= 1
    }
    try {
      // A peer that never closes its side must not hold a stream slot for long.
      const closing = AbortSignal.timeout(10_000)
      await messages.write(response, { signal: closing })
      await stream.close({ signal: closing })
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)))
    }
  }

  await helia.libp2p.handle(pinProtocol, handler, {
    maxInboundStreams: parameters.maxInboundStreams ?? 4,
    // Browser peers reach a care node through its relay before WebRTC is up.
    runOnLimitedConnection: true,
  })
  return async () => {
    await helia.libp2p.unhandle(pinProtocol)
  }
}

class RegistrationNeeded extends PinRequestError {
  constructor(readonly bits: number) {
    super('unregistered', `new identity: attach registration work of ${bits} bits`)
    this.workBits = bits
  }
}

/** Signature, node and time, then a fresh nonce; throws `unauthorized`. No store is read. */
function checkAuth(auth: CareAuth, body: Record<string, unknown>, self: string, nonces: ReturnType<typeof freshNonces>): void {
  const refusal = verifyCareAuth('pin', body, auth, { node: self })
  if (refusal === 'wrong-node') throw new PinRequestError('unauthorized', 'the request is signed for another care node')
  if (refusal === 'stale') throw new PinRequestError('unauthorized', 'the request time is not within 120 s of the care node clock')
  if (refusal) throw new PinRequestError('unauthorized', 'the request signature does not verify')
  if (!nonces.fresh(auth)) throw new PinRequestError('unauthorized', 'this request was already answered')
}

async function ensureRegistered(ledger: PinLedger, auth: CareAuth, peer: string): Promise<void> {
  const admitted = await ledger.admit(auth, peer)
  if (admitted === 'unregistered') throw new RegistrationNeeded(ledger.registrationWorkBits)
  if (admitted === 'registrations-full') {
    throw new PinRequestError('registrations-full', 'this care node has registered as many new identities as it accepts this hour')
  }
}

async function unpinRoots(helia: Pick<Helia, 'pins'>, ledger: PinLedger, request: SignedPinRequest): Promise<number> {
  let released = 0
  for (const root of request.cids) {
    const { held, lastHolder } = await ledger.releasePin(request.auth.key, root.toString())
    if (!held) continue
    released += 1
    if (lastHolder) {
      try {
        for await (const _ of helia.pins.rm(root)) void _
      } catch (error) {
        if (!(error instanceof Error && error.name === 'NotFoundError')) throw error
      }
    }
  }
  return released
}

/** A view of a shared budget that also counts what one root used. */
function trackedBudget(shared: DagBudget): { budget: DagBudget; used: { blocks: number; bytes: number } } {
  const used = { blocks: 0, bytes: 0 }
  const budget: DagBudget = {
    get blocks() {
      return shared.blocks
    },
    set blocks(value) {
      used.blocks += shared.blocks - value
      shared.blocks = value
    },
    get bytes() {
      return shared.bytes
    },
    set bytes(value) {
      used.bytes += shared.bytes - value
      shared.bytes = value
    },
  }
  return { budget, used }
}

async function pinRoot(
  helia: Pick<Helia, 'blockstore' | 'pins' | 'getCodec'>,
  parameters: { root: CID; budget: DagBudget; signal: AbortSignal; providers: CID[]; blockTimeoutMs: number },
): Promise<void> {
  const { root, signal } = parameters
  // Walked even when another identity pinned it already (then from local blocks): its size is this identity's charge.
  try {
    await fetchDag(helia, parameters)
  } catch (error) {
    if (error instanceof PinRequestError) throw error
    if (signal.aborted) throw new PinRequestError('timeout', `gave up fetching ${root} at the request deadline`, { cause: error })
    throw new PinRequestError('fetch-failed', `could not fetch ${root}`, { cause: error })
  }
  try {
    // Every block is local now, so the walk below does not touch the network.
    for await (const _ of helia.pins.add(root, { signal })) void _
  } catch (error) {
    // A concurrent request for the same root got there first.
    if (error instanceof Error && error.name === 'AlreadyPinnedError') return
    throw new PinRequestError('internal', `could not pin ${root}`, { cause: error })
  }
}

function toErrorResponse(error: unknown, signal: AbortSignal): Extract<PinResponse, { ok: false }> {
  if (error instanceof PeerMessageError) {
    const code = error.code === 'too-large' ? 'too-large' : error.code === 'timeout' ? 'timeout' : 'malformed'
    return { ok: false, code, message: error.details ?? error.shortMessage }
  }
  if (error instanceof PinRequestError) {
    return { ok: false, code: error.code, message: error.details ?? error.shortMessage, ...(error.workBits === undefined ? {} : { workBits: error.workBits }) }
  }
  if (signal.aborted) return { ok: false, code: 'timeout', message: 'request deadline passed' }
  return { ok: false, code: 'internal', message: 'the care node failed to store the blocks' }
}
