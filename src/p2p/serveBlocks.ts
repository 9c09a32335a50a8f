import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import * as lp from 'it-length-prefixed'
import type { CID } from 'multiformats/cid'
import { maxBlockBytes } from '../core/blocks.ts'
import { blockProtocol, decodeWant, encodeAnswer, maxWantBytes, type BlockAnswer, type BlockExchangeLimits } from './blockProtocol.ts'

/** The holder's local blocks only (undefined when absent): a want never makes the holder fetch from the network. */
export type LocalBlocks = {
  get(cid: CID): Promise<Uint8Array | undefined>
}

export type ServeBlocksParameters = {
  blocks: LocalBlocks
  limits: Pick<BlockExchangeLimits, 'maxWantsPerStream' | 'maxStreamsPerConnection' | 'idleTimeoutMs'>
  /** Counts for tests and the log: streams closed for breaking the protocol. */
  onViolation?: (peer: string, reason: string) => void
}

/**
 * Serves `/salus/blocks/1.0.0` with the policy bitswap had: any block this node holds, to
 * any connected peer that names its CID (blocks are ciphertext or signed public data;
 * the CID is the capability), over relayed connections too. Each stream may have
 * `maxWantsPerStream` wants open; more are refused without a store read. A want that is
 * not exactly `{ id, want }`, or longer than `maxWantBytes`, closes the stream.
 */
export async function serveBlocks(libp2p: Pick<Libp2p, 'handle' | 'unhandle'>, parameters: ServeBlocksParameters): Promise<() => Promise<void>> {
  const { blocks, limits, onViolation } = parameters
  const handler = (stream: Stream, connection: Connection): void => {
    const peer = connection.remotePeer.toString()
    const decoder = new LengthPrefixedDecoder({ maxDataLength: maxWantBytes, maxBufferSize: 256 * 1024 })
    let open = 0
    let idle: ReturnType<typeof setTimeout> | undefined
    const touch = () => {
      clearTimeout(idle)
      idle = setTimeout(() => void stream.close().catch(() => stream.abort(new Error('idle'))), limits.idleTimeoutMs)
    }
    const violation = (reason: string) => {
      clearTimeout(idle)
      onViolation?.(peer, reason)
      stream.abort(new Error(`block protocol violation: ${reason}`))
    }
    // Answers leave in the order they are ready; a slow reader holds back only itself.
    let sending: Promise<void> = Promise.resolve()
    const send = (answer: BlockAnswer) => {
      const framed = lp.encode.single(encodeAnswer(answer))
      sending = sending.then(async () => {
        if (stream.status !== 'open') return
        if (!stream.send(framed)) await stream.onDrain()
      }).catch(() => {})
      return sending
    }
    const answer = async (id: number, cid: CID) => {
      try {
        const block = await blocks.get(cid)
        await send(block && block.byteLength <= maxBlockBytes ? { id, block } : { id, missing: true })
      } catch {
        await send({ id, missing: true })
      } finally {
        open -= 1
      }
    }
    stream.addEventListener('message', (event) => {
      touch()
      try {
        for (const frame of decoder.decode(event.data)) {
          const { id, want } = decodeWant(frame.subarray())
          if (open >= limits.maxWantsPerStream) {
            void send({ id, refused: 'too-many-wants' })
            continue
          }
          open += 1
          void answer(id, want)
        }
      } catch (error) {
        violation(error instanceof Error ? error.message : String(error))
      }
    })
    stream.addEventListener('remoteCloseWrite', () => {
      clearTimeout(idle)
      void sending.then(() => stream.close()).catch(() => {})
    })
    stream.addEventListener('close', () => clearTimeout(idle))
    touch()
  }
  await libp2p.handle(blockProtocol, handler, {
    maxInboundStreams: limits.maxStreamsPerConnection,
    // Browsers reach care nodes and each other through relays until WebRTC is up (as bitswap did).
    runOnLimitedConnection: true,
  })
  return async () => {
    await libp2p.unhandle(blockProtocol)
  }
}
