// SPDX-License-Identifier: GPL-3.0-or-later
// Node only. Re-encryption in worker threads, so a care node's proxy uses every core:
// the main thread keeps libp2p, the request checks and the grant cache; each capsule is
// parsed and re-encrypted in a worker (about three quarters of a request's CPU time).
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type * as umbral from '../crypto/umbral.ts'
import { MalformedCapsuleError, type ReencryptCapsules } from './reencryptCapsules.ts'

export type ReencryptJob = { id: number; fragmentKey: string; kfrag: Uint8Array; capsules: readonly Uint8Array[] }
export type ReencryptReply = { id: number; cfrags: Uint8Array[] } | { id: number; malformed: true } | { id: number; error: string }

export type ReencryptPool = {
  reencryptCapsules: ReencryptCapsules
  readonly threads: number
  stop(): Promise<void>
}

export class ReencryptPoolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReencryptPoolError'
  }
}

type Pending = { resolve: (cfrags: Uint8Array[]) => void; reject: (error: Error) => void }
type Thread = { worker: Worker; pending: Map<number, Pending> }

/** A machine's cores less the one the care node's main thread needs; at least one. */
export function defaultReencryptThreads(): number {
  return Math.max(1, availableParallelism() - 1)
}

/**
 * Starts `threads` re-encryption workers. Jobs go to the least busy one; a worker that
 * dies fails its jobs (the proxy answers them `internal`) and is replaced.
 */
export function createReencryptPool({ threads = defaultReencryptThreads() }: { threads?: number } = {}): ReencryptPool {
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new RangeError(`threads must be 1 to 256, not ${threads}`)
  let nextId = 0
  let stopped = false
  // Serialised fragments, so a request does not re-serialise its fragment.
  const fragmentBytes = new Map<string, Uint8Array>()

  const start = (): Thread => {
    const worker = new Worker(new URL('./reencryptWorker.ts', import.meta.url))
    const thread: Thread = { worker, pending: new Map() }
    worker.on('message', (reply: ReencryptReply) => {
      const job = thread.pending.get(reply.id)
      if (!job) return
      thread.pending.delete(reply.id)
      if ('cfrags' in reply) job.resolve(reply.cfrags)
      else if ('malformed' in reply) job.reject(new MalformedCapsuleError())
      else job.reject(new ReencryptPoolError(`re-encryption failed: ${reply.error}`))
    })
    const fail = (reason: string) => {
      for (const job of thread.pending.values()) job.reject(new ReencryptPoolError(reason))
      thread.pending.clear()
      const index = pool.indexOf(thread)
      if (index >= 0 && !stopped) pool[index] = start()
    }
    worker.on('error', (error) => fail(`a re-encryption worker failed: ${error.message}`))
    worker.on('exit', (code) => fail(`a re-encryption worker exited (${code})`))
    // The care node's own handles decide when the process ends.
    worker.unref()
    return thread
  }
  const pool: Thread[] = Array.from({ length: threads }, start)

  const bytesOf = (fragmentKey: string, kfrag: umbral.VerifiedKeyFrag): Uint8Array => {
    let bytes = fragmentBytes.get(fragmentKey)
    if (!bytes) {
      bytes = kfrag.toBytes()
      fragmentBytes.set(fragmentKey, bytes)
      if (fragmentBytes.size > 4_096) fragmentBytes.delete(fragmentBytes.keys().next().value as string)
    }
    return bytes
  }

  return {
    threads,
    reencryptCapsules({ fragmentKey, kfrag, capsules }) {
      if (stopped) return Promise.reject(new ReencryptPoolError('the re-encryption pool is stopped'))
      const thread = pool.reduce((best, candidate) => (candidate.pending.size < best.pending.size ? candidate : best))
      const id = nextId++
      return new Promise<Uint8Array[]>((resolve, reject) => {
        thread.pending.set(id, { resolve, reject })
        const job: ReencryptJob = { id, fragmentKey, kfrag: bytesOf(fragmentKey, kfrag), capsules }
        thread.worker.postMessage(job)
      })
    },
    async stop() {
      stopped = true
      await Promise.allSettled(pool.map((thread) => thread.worker.terminate()))
    },
  }
}
