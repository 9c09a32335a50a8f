import type { Connection, Stream } from '@libp2p/interface'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import * as lp from 'it-length-prefixed'
import type { CID } from 'multiformats/cid'
import { decodeAnswer, encodeWant, maxAnswerBytes, type BlockAnswer } from './blockProtocol.ts'
import { PeerMessageError } from './p2pErrors.ts'

/** A peer with wants open sent nothing for too long; its stream was dropped. */
export class BlockStalledError extends PeerMessageError {
  constructor(peer: string, stallMs: number) {
    super('timeout', `${peer} sent nothing for ${stallMs} ms with wants open`)
  }
}

type Pending = { resolve(answer: BlockAnswer): void; reject(error: unknown): void }

/**
 * The asking side of one `/salus/blocks/1.0.0` stream to one peer: many wants in flight
 * (at most `wantsInFlight`, the rest queue here), answers matched by id. A frame longer
 * than one block, or one that is not an answer, closes the stream and fails every open
 * want with `PeerMessageError`, so the caller asks another peer.
 */
export class BlockSession {
  readonly peer: string
  readonly connection: Connection
  private readonly stream: Stream
  private readonly decoder = new LengthPrefixedDecoder({ maxDataLength: maxAnswerBytes, maxBufferSize: 2 * maxAnswerBytes })
  private readonly pending = new Map<number, Pending>()
  private readonly queue: Array<() => void> = []
  private nextId = 0
  private inFlight = 0
  private sending: Promise<void> = Promise.resolve()
  private failure: unknown
  /** No new wants once retired (a better connection appeared); closed when its last answer is in. */
  private retired = false
  /** When bytes last arrived, or when a want was sent with none open: the stall clock. */
  private lastHeard = 0
  private watchdog: ReturnType<typeof setInterval> | undefined

  /**
   * `stallMs`: with wants open, a peer that sends no byte for this long is stalling: the
   * stream is dropped and its wants fail with `BlockStalledError`. Counted from the last
   * byte, not per want, so a slow link carrying big blocks is not mistaken for a stall.
   */
  constructor(stream: Stream, connection: Connection, private readonly wantsInFlight: number, private readonly stallMs: number, private readonly onClose: (session: BlockSession) => void) {
    this.stream = stream
    this.connection = connection
    this.peer = connection.remotePeer.toString()
    stream.addEventListener('message', (event) => {
      this.lastHeard = performance.now()
      try {
        for (const frame of this.decoder.decode(event.data)) this.receive(decodeAnswer(frame.subarray()))
      } catch (error) {
        this.abort(error instanceof PeerMessageError ? error : new PeerMessageError('too-large', 'a block answer exceeded its limit', { cause: error }))
      }
    })
    stream.addEventListener('close', (event) => this.fail(event.error ?? new PeerMessageError('closed', `the block stream to ${this.peer} closed`)))
    stream.addEventListener('remoteCloseWrite', () => this.fail(new PeerMessageError('closed', `${this.peer} closed the block stream`)))
  }

  get usable(): boolean {
    return this.failure === undefined && !this.retired && this.stream.status === 'open'
  }

  /** Sends one want (after a free slot) and resolves with the peer's answer. */
  async want(cid: CID, signal: AbortSignal): Promise<BlockAnswer> {
    if (this.inFlight >= this.wantsInFlight) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal.removeEventListener('abort', stop)
          resolve()
        }
        const stop = () => {
          const at = this.queue.indexOf(go)
          if (at >= 0) this.queue.splice(at, 1)
          reject(signal.reason)
        }
        signal.addEventListener('abort', stop, { once: true })
        this.queue.push(go)
      })
    }
    this.inFlight += 1
    try {
      if (this.failure !== undefined) throw this.failure
      signal.throwIfAborted()
      const id = this.nextId++
      const answer = new Promise<BlockAnswer>((resolve, reject) => this.pending.set(id, { resolve, reject }))
      const stop = () => {
        this.pending.get(id)?.reject(signal.reason)
        this.pending.delete(id)
      }
      signal.addEventListener('abort', stop, { once: true })
      if (this.pending.size === 1) this.lastHeard = performance.now()
      this.watch()
      this.write(encodeWant({ id, want: cid }))
      try {
        return await answer
      } finally {
        signal.removeEventListener('abort', stop)
      }
    } finally {
      this.inFlight -= 1
      this.queue.shift()?.()
      if (this.retired && this.inFlight === 0) void this.stream.close().catch(() => {})
    }
  }

  /** Stops taking wants; the stream closes when the open ones are answered. */
  retire(): void {
    this.retired = true
    if (this.inFlight === 0) void this.stream.close().catch(() => {})
  }

  /** Drops the stream (a peer that lied, stalled or broke the protocol); open wants fail. */
  abort(error: unknown): void {
    this.fail(error)
    if (this.stream.status === 'open') this.stream.abort(error instanceof Error ? error : new Error(String(error)))
  }

  private watch(): void {
    this.watchdog ??= setInterval(() => {
      if (this.pending.size === 0) return
      if (performance.now() - this.lastHeard > this.stallMs) this.abort(new BlockStalledError(this.peer, this.stallMs))
    }, Math.max(50, Math.min(1_000, this.stallMs / 4)))
  }

  private write(bytes: Uint8Array): void {
    const framed = lp.encode.single(bytes)
    this.sending = this.sending
      .then(async () => {
        if (!this.stream.send(framed)) await this.stream.onDrain()
      })
      .catch((error) => this.abort(error))
  }

  private receive(answer: BlockAnswer): void {
    const waiting = this.pending.get(answer.id)
    // An answer to a want given up on (another peer was faster) is dropped.
    if (!waiting) return
    this.pending.delete(answer.id)
    waiting.resolve(answer)
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return
    this.failure = error
    clearInterval(this.watchdog)
    for (const waiting of this.pending.values()) waiting.reject(error)
    this.pending.clear()
    for (const go of this.queue.splice(0)) go()
    this.onClose(this)
  }
}
