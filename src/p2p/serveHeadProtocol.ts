import * as dagCbor from '@ipld/dag-cbor'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { Key, type Datastore } from 'interface-datastore'
import { decodeSignedHead, verifyHead, type SignedHead } from '../core/consent/scopeManifest.ts'
import type { Scope } from '../core/scopes.ts'
import type { HeadReadGrant } from '../core/consent/headReadRequest.ts'
import { freshNonces, verifyCareAuth, type CareAuth } from './careAuth.ts'
import { encodeStoredHead, headProtocol, HeadRequestError, parseHeadRequest, type HeadResponse } from './headProtocol.ts'
import { messageStream } from './messages.ts'
import { PeerMessageError } from './p2pErrors.ts'
import { peerRateLimit, type PeerRateLimitParameters } from './peerRateLimit.ts'
import { hex, PinLedger } from './pinLedger.ts'

export type ServeHeadProtocolParameters = {
  maxInboundStreams?: number
  readTimeoutMs?: number
  /** Identities, quotas and lifetimes; shared with the pin protocol. Made on the node's datastore when absent. */
  ledger?: PinLedger
  /** Requests per peer: `burst` at once, then `perSecond`; more are answered `rate-limited`. */
  rateLimit?: Pick<PeerRateLimitParameters, 'burst' | 'perSecond'>
  /**
   * Decides a read: undefined serves it, a sentence refuses it. A care node that is a
   * re-encryption proxy checks the grantee's signed grant (ProxyService.authorizeHeadRead);
   * without it every read is refused, so heads go to nobody but a grant's grantee.
   */
  authorizeRead?: (read: { author: Uint8Array; scope: Scope; grant: HeadReadGrant }) => Promise<string | undefined>
  log?: (line: string) => void
}

/**
 * Care node side of `/salus/head/1.0.0`: keeps the newest correctly signed head per
 * (author key, scope) in the node's datastore. A put is signed by the patient's
 * pinning identity for this node (checked first, before any read), counts against
 * that identity's quota of heads and lives until its lifetime ends unless put again.
 * A put with a bad signature, or with a sequence number not above the stored one,
 * is refused with its code.
 */
export async function serveHeadProtocol(
  node: { libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'peerId'>; datastore: Datastore },
  { maxInboundStreams = 16, readTimeoutMs = 10_000, log = () => {}, ...parameters }: ServeHeadProtocolParameters = {},
): Promise<() => Promise<void>> {
  const ledger = parameters.ledger ?? new PinLedger({ datastore: node.datastore })
  const limiter = peerRateLimit({ burst: 60, perSecond: 5, ...parameters.rateLimit })
  const self = node.libp2p.peerId.toString()
  const nonces = freshNonces()
  // Puts for one (author, scope) run one after the other, so two cannot both pass the seq check.
  const queues = new Map<string, Promise<unknown>>()

  const read = (author: Uint8Array, scope: Scope) => readStoredHead(node.datastore, author, scope)

  const put = (head: SignedHead, auth: CareAuth, peer: string): Promise<HeadResponse> => {
    const key = headKey(head.head.author, head.head.scope).toString()
    const slot = headSlot(head.head.author, head.head.scope)
    const run = (queues.get(key) ?? Promise.resolve()).then(() => ledger.exclusive(auth.key, async (): Promise<HeadResponse> => {
      try {
        verifyHead(head)
      } catch {
        return { ok: false, code: 'bad-signature', message: 'the head signature does not verify' }
      }
      const admitted = await ledger.admit(auth, peer)
      if (admitted === 'unregistered') return { ok: false, code: 'unregistered', message: `new identity: attach registration work of ${ledger.registrationWorkBits} bits`, workBits: ledger.registrationWorkBits }
      if (admitted === 'registrations-full') return { ok: false, code: 'registrations-full', message: 'this care node has registered as many new identities as it accepts this hour' }
      const owner = await ledger.headOwner(slot)
      if (owner !== undefined && owner !== hex(auth.key)) return { ok: false, code: 'unauthorized', message: 'another identity keeps this head' }
      const stored = await read(head.head.author, head.head.scope)
      if (stored && stored.head.seq >= head.head.seq) {
        return { ok: false, code: 'stale-seq', message: `seq ${head.head.seq} is not above the stored ${stored.head.seq}` }
      }
      const bytes = encodeStoredHead(head)
      const remaining = await ledger.remaining(auth.key)
      const held = await ledger.ownedHead(auth.key, slot)
      if ((!held && remaining.heads < 1) || bytes.byteLength - (held?.bytes ?? 0) > remaining.bytes) {
        return { ok: false, code: 'quota-exceeded', message: `this identity may keep ${ledger.quota.heads} heads and ${ledger.quota.bytes} bytes` }
      }
      await node.datastore.put(headKey(head.head.author, head.head.scope), bytes)
      await ledger.holdHead(auth.key, slot, { bytes: bytes.byteLength, expires: ledger.expiryFor(undefined) })
      return { ok: true }
    }))
    const settled = run.catch(() => {})
    queues.set(key, settled)
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key)
    })
    return run
  }

  const handler = async (stream: Stream, connection: Connection): Promise<void> => {
    const messages = messageStream(stream)
    const peer = connection.remotePeer.toString()
    let response: HeadResponse
    try {
      if (!limiter.take(peer)) throw new HeadRequestError('rate-limited', 'too many requests from this peer; wait and try again')
      const message = await messages.read({ signal: AbortSignal.timeout(readTimeoutMs) })
      const request = parseHeadRequest(message)
      if (request.op === 'put') {
        // The identity's signature first: CPU only, nothing read or stored for a request without one.
        if (!request.auth) throw new HeadRequestError('unauthorized', 'a put must be signed by a registered identity (auth missing)')
        const { auth: _auth, ...body } = message as Record<string, unknown>
        void _auth
        const refusal = verifyCareAuth('head', body, request.auth, { node: self })
        if (refusal) throw new HeadRequestError('unauthorized', refusal === 'wrong-node' ? 'the request is signed for another care node' : refusal === 'stale' ? 'the request time is not within 120 s of the care node clock' : 'the request signature does not verify')
        if (!nonces.fresh(request.auth)) throw new HeadRequestError('unauthorized', 'this request was already answered')
        response = await put(request.head, request.auth, peer)
      } else {
        if (!request.grant) throw new HeadRequestError('unauthorized', 'a read must carry the grantee’s signed grant')
        const refusal = parameters.authorizeRead ? await parameters.authorizeRead({ author: request.author, scope: request.scope, grant: request.grant }) : 'this care node is no proxy: it serves heads to nobody'
        if (refusal) throw new HeadRequestError('unauthorized', refusal)
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

/** The head a care node keeps for (author, scope), read from its own datastore (its operator's view). */
export async function readStoredHead(datastore: Pick<Datastore, 'get'>, author: Uint8Array, scope: Scope): Promise<SignedHead | undefined> {
  try {
    return decodeSignedHead(dagCbor.decode(await datastore.get(headKey(author, scope))))
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFoundError') return undefined
    throw error
  }
}

function headKey(author: Uint8Array, scope: Scope): Key {
  return new Key(`/salus/heads/${hex(author)}/${scope}`)
}

/** The ledger's name for an (author, scope) head. */
export function headSlot(author: Uint8Array, scope: Scope): string {
  return `${hex(author)}-${scope}`
}

/** Deletes a head whose lifetime ended (called by the care node's sweep). */
export async function deleteHead(datastore: Pick<Datastore, 'delete'>, slot: string): Promise<void> {
  const [author, scope] = slot.split('-')
  if (author && scope) await datastore.delete(new Key(`/salus/heads/${author}/${scope}`))
}
