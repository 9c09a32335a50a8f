import * as dagCbor from '@ipld/dag-cbor'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import type { AbortOptions, Stream } from '@libp2p/interface'
import { PeerMessageError } from './p2pErrors.ts'

/** Largest message any Salus protocol accepts; bulk data travels as blocks over `/salus/blocks/1.0.0`. */
export const maxMessageBytes = 64 * 1024

export interface MessageStream {
  /** Reads one length-prefixed dag-cbor message; throws `PeerMessageError` (too-large, malformed, timeout, closed). */
  read(options?: AbortOptions): Promise<unknown>
  write(message: unknown, options?: AbortOptions): Promise<void>
  unwrap(): Stream
}

export interface MessageStreamOptions {
  maxBytes?: number
  /** Largest message this side writes, when it differs from what it reads (a proxy's batch answers). */
  maxWriteBytes?: number
}

/**
 * Wraps a libp2p stream for request/response protocols: each message is a varint
 * length prefix then dag-cbor, refused before it is read when the prefix is too big.
 */
export function messageStream(stream: Stream, options: MessageStreamOptions = {}): MessageStream {
  const maxBytes = options.maxBytes ?? maxMessageBytes
  const maxWriteBytes = options.maxWriteBytes ?? maxBytes
  const lp: LengthPrefixedStream<Stream> = lpStream(stream, { maxDataLength: maxBytes })
  return {
    async read(readOptions) {
      let bytes: Uint8Array
      try {
        bytes = (await lp.read(readOptions)).subarray()
      } catch (error) {
        throw toMessageError(error, maxBytes)
      }
      try {
        return dagCbor.decode(bytes)
      } catch (error) {
        throw new PeerMessageError('malformed', 'message is not valid dag-cbor', { cause: error })
      }
    },
    async write(message, writeOptions) {
      const bytes = dagCbor.encode(message)
      if (bytes.byteLength > maxWriteBytes) {
        throw new PeerMessageError('too-large', `message of ${bytes.byteLength} bytes exceeds ${maxWriteBytes}`)
      }
      await lp.write(bytes, writeOptions)
    },
    unwrap: () => stream,
  }
}

function toMessageError(error: unknown, maxBytes: number): PeerMessageError {
  const name = error instanceof Error ? error.name : ''
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    return new PeerMessageError('too-large', `message exceeds ${maxBytes} bytes`, { cause: error })
  }
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new PeerMessageError('timeout', 'no message before the deadline', { cause: error })
  }
  if (name === 'UnexpectedEOFError') {
    return new PeerMessageError('closed', 'the peer closed the stream mid-message', { cause: error })
  }
  return new PeerMessageError('malformed', 'could not read a length-prefixed message', { cause: error })
}
