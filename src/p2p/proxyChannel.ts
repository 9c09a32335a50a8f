import type { Libp2p, Stream } from '@libp2p/interface'
import type { Signer } from '../crypto/umbral.ts'
import { encodeCapsuleRequest, signCapsuleRequest } from '../core/consent/capsuleRequest.ts'
import type { Scope } from '../core/scopes.ts'
import type { ResponderCredential } from '../core/consent/responderPass.ts'
import { ProxyRefusedError } from '../core/share/shareErrors.ts'
import { messageStream, type MessageStream } from './messages.ts'
import { PeerMessageError } from './p2pErrors.ts'
import { encodeCapsuleBatch, maxBatchCapsules, maxBatchGroups, signCapsuleBatch, type CapsuleBatchGroup } from '../core/consent/capsuleBatchRequest.ts'
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

  const single = (scope: Scope, epoch: number, capsules: Uint8Array[]) => {
    const request = encodeCapsuleRequest(signCapsuleRequest(signer, { grantId, scope, epoch, capsules, ...(responder ? { responder } : {}) }))
    return enqueue(exchange(request, (answer) => parsePreResponse(answer, capsules.length)))
  }
  const batch = async (groups: CapsuleBatchGroup[]) => {
    const request = encodeCapsuleBatch(signCapsuleBatch(signer, { grantId, groups, ...(responder ? { responder } : {}) }))
    const count = groups.reduce((sum, group) => sum + group.capsules.length, 0)
    return enqueue(exchange(request, (answer) => parsePreBatchResponse(answer, count)))
  }

  // Single requests made while one is out wait, and go together as one batch when it is
  // answered (each call gets its own fragments, or its own refusal): listing ten scopes'
  // manifests costs two round trips, not ten. One waiting request goes alone, as before.
  type Waiting = { group: CapsuleBatchGroup; resolve(cfrags: Uint8Array[]): void; reject(error: unknown): void }
  const waiting: Waiting[] = []
  let sending = false
  const pump = (): void => {
    if (sending || waiting.length === 0) return
    sending = true
    const taken: Waiting[] = []
    let capsules = 0
    while (waiting.length > 0 && taken.length < maxBatchGroups && capsules + waiting[0]!.group.capsules.length <= maxBatchCapsules) {
      capsules += waiting[0]!.group.capsules.length
      taken.push(waiting.shift()!)
    }
    if (taken.length === 0) taken.push(waiting.shift()!)
    const sent: Promise<void> =
      taken.length === 1
        ? single(taken[0]!.group.scope, taken[0]!.group.epoch, taken[0]!.group.capsules).then(taken[0]!.resolve, taken[0]!.reject)
        : batch(taken.map((entry) => entry.group)).then(
            (results) => {
              let at = 0
              for (const entry of taken) {
                const mine = results.slice(at, (at += entry.group.capsules.length))
                const refused = mine.find((result) => result instanceof ProxyRefusedError)
                if (refused) entry.reject(refused)
                else entry.resolve(mine as Uint8Array[])
              }
            },
            (error: unknown) => taken.forEach((entry) => entry.reject(error)),
          )
    void sent.finally(() => {
      sending = false
      pump()
    })
  }

  return {
    reencrypt(scope, epoch, capsules) {
      return new Promise<Uint8Array[]>((resolve, reject) => {
        waiting.push({ group: { scope, epoch, capsules }, resolve, reject })
        pump()
      })
    },
    reencryptBatch: batch,
    async close() {
      // What is asked before close is answered first, as before.
      while (sending || waiting.length > 0) await queue.then(() => new Promise((resolve) => setTimeout(resolve, 0)))
      await queue
      const current = open
      open = undefined
      await current?.stream.close().catch(() => current.stream.abort(new Error('closed')))
    },
  }
}
