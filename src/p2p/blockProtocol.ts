import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { maxBlockBytes } from '../core/blocks.ts'
import { PeerMessageError } from './p2pErrors.ts'

/**
 * `/salus/blocks/1.0.0`: one long-lived stream per pair of peers, opened by the side that
 * wants blocks. Each message is a varint length prefix then dag-cbor:
 *   want   (asker → holder)  { id, want: CID }
 *   answer (holder → asker)  { id, block: bytes } | { id, missing: true } | { id, refused: BlockRefusal }
 * Answers come in any order; `id` (chosen by the asker, unique among its open wants) pairs them.
 */
export const blockProtocol = '/salus/blocks/1.0.0'

export type BlockRefusal = 'too-many-wants'

export type BlockWant = { id: number; want: CID }
export type BlockAnswer = { id: number; block: Uint8Array } | { id: number; missing: true } | { id: number; refused: BlockRefusal }

/** A want is an id and a CID: a few dozen bytes. Anything longer is refused unread. */
export const maxWantBytes = 512

/** An answer carries at most one block and a few bytes of framing. */
export const maxAnswerBytes = maxBlockBytes + 64

export type BlockExchangeLimits = {
  /** Wants one asker may have open on one stream; more are answered `refused` without a store read (holder side). */
  maxWantsPerStream: number
  /** Streams one connection may open to us at once (holder side). */
  maxStreamsPerConnection: number
  /** A stream with no want for this long is closed; the asker opens a new one when it needs it (holder side). */
  idleTimeoutMs: number
  /** Wants this node keeps open to one peer; the rest wait their turn (asker side). */
  wantsInFlightPerPeer: number
  /** A peer that sends no byte for this long while wants are open is given up and its stream dropped (asker side). */
  wantTimeoutMs: number
  /** Without an answer for this long, the next peer is asked too (asker side). */
  hedgeAfterMs: number
}

export const defaultBlockExchangeLimits: BlockExchangeLimits = {
  maxWantsPerStream: 64,
  maxStreamsPerConnection: 2,
  idleTimeoutMs: 5 * 60_000,
  wantsInFlightPerPeer: 32,
  wantTimeoutMs: 8_000,
  hedgeAfterMs: 1_500,
}

export function encodeWant(want: BlockWant): Uint8Array {
  return dagCbor.encode(want)
}

export function encodeAnswer(answer: BlockAnswer): Uint8Array {
  return dagCbor.encode(answer)
}

/** Throws `PeerMessageError('malformed')` unless `bytes` is exactly a want. */
export function decodeWant(bytes: Uint8Array): BlockWant {
  const value = decode(bytes)
  const cid = CID.asCID(value.want)
  if (!isId(value.id) || cid === null || Object.keys(value).length !== 2) throw new PeerMessageError('malformed', 'not a block want')
  return { id: value.id, want: cid }
}

/** Throws `PeerMessageError('malformed')` unless `bytes` is exactly one kind of answer. */
export function decodeAnswer(bytes: Uint8Array): BlockAnswer {
  const value = decode(bytes)
  const keys = Object.keys(value)
  if (!isId(value.id) || keys.length !== 2) throw new PeerMessageError('malformed', 'not a block answer')
  if (value.block instanceof Uint8Array) return { id: value.id, block: value.block }
  if (value.missing === true) return { id: value.id, missing: true }
  if (value.refused === 'too-many-wants') return { id: value.id, refused: value.refused }
  throw new PeerMessageError('malformed', 'not a block answer')
}

function decode(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown
  try {
    value = dagCbor.decode(bytes)
  } catch (error) {
    throw new PeerMessageError('malformed', 'block message is not valid dag-cbor', { cause: error })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new PeerMessageError('malformed', 'block message is not a map')
  }
  return value as Record<string, unknown>
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
