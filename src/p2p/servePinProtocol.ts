import type { Helia } from '@helia/interface'
import type { Identify } from '@libp2p/identify'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { fetchDag, type DagBudget } from './fetchDag.ts'
import { messageStream } from './messages.ts'
import { PeerMessageError, PinRequestError } from './p2pErrors.ts'
import { parsePinRequest, pinProtocol, type PinResponse } from './pinProtocol.ts'

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
  log?: (line: string) => void
}

/**
 * Care node side of `/salus/pin/1.0.0`: fetch the requested blocks over bitswap
 * (from the asking peer first), verify them, pin them. The node stores
 * ciphertext only; it never holds a key. Returns a function that stops serving.
 */
export async function servePinProtocol(
  helia: Pick<Helia, 'blockstore' | 'pins' | 'getCodec'> & {
    libp2p: Pick<Libp2p<{ identify: Identify }>, 'handle' | 'unhandle' | 'peerStore' | 'services'>
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

  const handler = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(limits.timeoutMs)
    const messages = messageStream(stream)
    let response: PinResponse
    active += 1
    try {
      if (active > maxActive) throw new PinRequestError('busy', `${maxActive} pin requests already in progress`)
      const request = parsePinRequest(await messages.read({ signal }))
      await learnBitswapSupport(helia.libp2p, connection, signal)
      const providers: CID[] = [connection.remotePeer.toCID()]
      if (request.from !== undefined) providers.unshift(peerIdFromString(request.from).toCID())
      const budget: DagBudget = { blocks: limits.blocks, bytes: limits.bytes }
      // Several roots at once: each is a round trip or two, and records are small.
      const queue = [...request.cids]
      let pinned = 0
      const worker = async (): Promise<void> => {
        for (let root = queue.shift(); root !== undefined; root = queue.shift()) {
          try {
            await pinRoot(helia, { root, budget, signal, providers, blockTimeoutMs: limits.blockTimeoutMs })
          } catch (error) {
            queue.length = 0 // one failure fails the request: start no more roots
            throw error
          }
          pinned += 1
        }
      }
      const results = await Promise.allSettled(Array.from({ length: Math.min(8, queue.length) }, worker))
      const failed = results.find((result) => result.status === 'rejected')
      if (failed) throw failed.reason
      log(`pinned ${pinned} root(s) for ${connection.remotePeer.toString()}`)
      response = { ok: true, pinned }
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

/**
 * A browser node registers bitswap after its relay connection opened, and the
 * identify push announcing it is debounced; without a fresh identify our bitswap
 * would not yet send wants to the very peer asking us to pin.
 */
async function learnBitswapSupport(
  libp2p: Pick<Libp2p<{ identify: Identify }>, 'peerStore' | 'services'>,
  connection: Connection,
  signal: AbortSignal,
): Promise<void> {
  const peer = await libp2p.peerStore.get(connection.remotePeer, { signal }).catch(() => undefined)
  if (peer?.protocols.some((protocol) => protocol.startsWith('/ipfs/bitswap/'))) return
  await libp2p.services.identify.identify(connection, { signal }).catch(() => {})
}

async function pinRoot(
  helia: Pick<Helia, 'blockstore' | 'pins' | 'getCodec'>,
  parameters: { root: CID; budget: DagBudget; signal: AbortSignal; providers: CID[]; blockTimeoutMs: number },
): Promise<void> {
  const { root, signal } = parameters
  if (await helia.pins.isPinned(root, { signal })) return
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
  if (error instanceof PinRequestError) return { ok: false, code: error.code, message: error.details ?? error.shortMessage }
  if (signal.aborted) return { ok: false, code: 'timeout', message: 'request deadline passed' }
  return { ok: false, code: 'internal', message: 'the care node failed to store the blocks' }
}
