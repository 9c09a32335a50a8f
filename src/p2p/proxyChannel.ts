import type { Libp2p, Stream } from '@libp2p/interface'
import type { Signer } from '../crypto/umbral.ts'
import { encodeCapsuleRequest, signCapsuleRequest } from '../core/consent/capsuleRequest.ts'
import type { Scope } from '../core/scopes.ts'
import type { ResponderCredential } from '../core/consent/responderPass.ts'
import { ProxyRefusedError } from '../core/share/shareErrors.ts'
import { messageStream, type MessageStream } from './messages.ts'
import { PeerMessageError } from './p2pErrors.ts'
import { encodeCapsuleBatch, signCapsuleBatch, type CapsuleBatchGroup } from '../core/consent/capsuleBatchRequest.ts'
import { maxPreRequestBytes, maxPreResponseBytes, parsePreBatchResponse, parsePreResponse, preProtocol } from './preProtocol.ts'
import { toProxyTarget, type ProxyAddress } from './requestCapsuleFragments.ts'

export type ProxyChannelParameters = {
  proxy: ProxyAddress
  grantId: bigint
  signer: Signer
  timeoutMs?: number
  /** A break-glass read of an emergency card: every request also carries the responder's pass, signed by its session key. */
  responder?: ResponderCredential
}

export type ProxyChannel = {
  /** Signs and sends one request; returns the fragments as unverified bytes. Throws `ProxyRefusedError`. */
  reencrypt(scope: Scope, epoch: number, capsules: Uint8Array[]): Promise<Uint8Array[]>
  /**
   * Signs and sends one batch (capsuleBatchRequest.ts): one result per capsule, in order,
   * a fragment (unverified bytes) or the proxy's refusal of that capsule alone. Throws
   * `ProxyRefusedError` when the whole batch is refused, and `CapsuleRequestError`
   * ('too-large') past maxBatchCapsules before sending.
   */
  reencryptBatch(groups: CapsuleBatchGroup[]): Promise<(Uint8Array | ProxyRefusedError)[]>
  close(): Promise<void>
}

/**
 * One `/salus/pre/1.0.0` stream kept open for many requests of one grant (a doctor
 * opening a patient's list), answered in order. Requests wait their turn; after any
 * failure the stream is dropped and the next request opens a fresh one.
 */
export function openProxyChannel(node: { libp2p: Pick<Libp2p, 'dialProtocol'> }, parameters: ProxyChannelParameters): ProxyChannel {
  const { proxy, grantId, signer, timeoutMs = 15_000, responder } = parameters
  let open: { stream: Stream; messages: MessageStream } | undefined
  let queue: Promise<unknown> = Promise.resolve()

  const connect = async (signal: AbortSignal) => {
    if (open) return open
    try {
      const stream = await node.libp2p.dialProtocol(toProxyTarget(proxy), preProtocol, { signal, runOnLimitedConnection: true })
      open = { stream, messages: messageStream(stream, { maxBytes: maxPreResponseBytes, maxWriteBytes: maxPreRequestBytes }) }
      return open
    } catch (error) {
      throw new ProxyRefusedError(signal.aborted ? 'timeout' : 'unreachable', `could not open ${preProtocol} to ${String(proxy)}`, { cause: error })
    }
  }

  const exchange = <T>(request: Record<string, unknown>, parse: (answer: unknown) => T) => async (): Promise<T> => {
    const signal = AbortSignal.timeout(timeoutMs)
    const channel = await connect(signal)
    try {
      await channel.messages.write(request, { signal })
      return parse(await channel.messages.read({ signal }))
    } catch (error) {
      const refusal = error instanceof ProxyRefusedError && error.code !== 'bad-response'
      if (!refusal) {
        // Out of sync or broken: start over on a new stream next time.
        channel.stream.abort(error instanceof Error ? error : new Error(String(error)))
        open = undefined
      }
      if (error instanceof ProxyRefusedError) throw error
      if (error instanceof PeerMessageError) {
        throw new ProxyRefusedError(error.code === 'timeout' ? 'timeout' : 'bad-response', error.details ?? error.message, { cause: error })
      }
      throw new ProxyRefusedError('unreachable', 'the connection to the proxy failed', { cause: error })
    }
  }

  const enqueue = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run)
    queue = result.catch(() => {})
    return result
  }

  return {
    reencrypt(scope, epoch, capsules) {
      const request = encodeCapsuleRequest(signCapsuleRequest(signer, { grantId, scope, epoch, capsules, ...(responder ? { responder } : {}) }))
      return enqueue(exchange(request, (answer) => parsePreResponse(answer, capsules.length)))
    },
    async reencryptBatch(groups) {
      const request = encodeCapsuleBatch(signCapsuleBatch(signer, { grantId, groups, ...(responder ? { responder } : {}) }))
      const count = groups.reduce((sum, group) => sum + group.capsules.length, 0)
      return enqueue(exchange(request, (answer) => parsePreBatchResponse(answer, count)))
    },
    async close() {
      await queue
      const current = open
      open = undefined
      await current?.stream.close().catch(() => current.stream.abort(new Error('closed')))
    },
  }
}
