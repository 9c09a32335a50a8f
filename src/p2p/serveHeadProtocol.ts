import * as dagCbor from '@ipld/dag-cbor'
import type { Libp2p, Stream } from '@libp2p/interface'
import { Key, type Datastore } from 'interface-datastore'
import { decodeSignedHead, verifyHead, type SignedHead } from '../core/consent/scopeManifest.ts'
import type { Scope } from '../core/scopes.ts'
import { encodeStoredHead, headProtocol, HeadRequestError, parseHeadRequest, type HeadResponse } from './headProtocol.ts'
import { messageStream } from './messages.ts'
import { PeerMessageError } from './p2pErrors.ts'

export type ServeHeadProtocolParameters = {
  maxInboundStreams?: number
  readTimeoutMs?: number
  log?: (line: string) => void
}

/**
 * Care node side of `/salus/head/1.0.0`: keeps the newest correctly signed head per
 * (author key, scope) in the node's datastore. A put with a bad signature, or with a
 * sequence number not above the stored one, is refused with its code.
 */
export async function serveHeadProtocol(
  node: { libp2p: Pick<Libp2p, 'handle' | 'unhandle'>; datastore: Pick<Datastore, 'get' | 'put'> },
  { maxInboundStreams = 16, readTimeoutMs = 10_000, log = () => {} }: ServeHeadProtocolParameters = {},
): Promise<() => Promise<void>> {
  // Puts for one (author, scope) run one after the other, so two cannot both pass the seq check.
  const queues = new Map<string, Promise<unknown>>()

  const read = async (author: Uint8Array, scope: Scope): Promise<SignedHead | undefined> => {
    try {
      return decodeSignedHead(dagCbor.decode(await node.datastore.get(headKey(author, scope))))
    } catch (error) {
      if (error instanceof Error && error.name === 'NotFoundError') return undefined
      throw error
    }
  }

  const put = (head: SignedHead): Promise<HeadResponse> => {
    const key = headKey(head.head.author, head.head.scope).toString()
    const run = (queues.get(key) ?? Promise.resolve()).then(async (): Promise<HeadResponse> => {
      try {
        verifyHead(head)
      } catch {
        return { ok: false, code: 'bad-signature', message: 'the head signature does not verify' }
      }
      const stored = await read(head.head.author, head.head.scope)
      if (stored && stored.head.seq >= head.head.seq) {
        return { ok: false, code: 'stale-seq', message: `seq ${head.head.seq} is not above the stored ${stored.head.seq}` }
      }
      await node.datastore.put(headKey(head.head.author, head.head.scope), encodeStoredHead(head))
      return { ok: true }
    })
    const settled = run.catch(() => {})
    queues.set(key, settled)
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key)
    })
    return run
  }

  const handler = async (stream: Stream): Promise<void> => {
    const messages = messageStream(stream)
    let response: HeadResponse
    try {
      const request = parseHeadRequest(await messages.read({ signal: AbortSignal.timeout(readTimeoutMs) }))
      if (request.op === 'put') {
        response = await put(request.head)
      } else {
        const head = await read(request.author, request.scope)
        response = head ? { ok: true, head } : { ok: false, code: 'not-found', message: 'no head stored' }
      }
    } catch (error) {
      if (error instanceof HeadRequestError) response = { ok: false, code: error.code, message: error.details ?? '' }
      else if (error instanceof PeerMessageError) response = { ok: false, code: error.code === 'too-large' ? 'too-large' : 'malformed', message: error.details ?? '' }
      else {
        log(`head request failed: ${error instanceof Error ? error.message : String(error)}`)
        response = { ok: false, code: 'internal', message: 'the care node could not answer' }
      }
    }
    try {
      const closing = AbortSignal.timeout(10_000)
      await messages.write(response, { signal: closing })
      await stream.close({ signal: closing })
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)))
    }
  }

  await node.libp2p.handle(headProtocol, handler, { maxInboundStreams, runOnLimitedConnection: true })
  return async () => {
    await node.libp2p.unhandle(headProtocol)
  }
}

function headKey(author: Uint8Array, scope: Scope): Key {
  const hex = Array.from(author, (byte) => byte.toString(16).padStart(2, '0')).join('')
  return new Key(`/salus/heads/${hex}/${scope}`)
}
