// SPDX-License-Identifier: GPL-3.0-or-later
// One re-encryption thread of a care node (started by reencryptPool.ts). It keeps the
// key fragments it was sent, parsed, and answers each job with capsule fragments.
// Node runs this file by stripping its types (see reencryptCapsules.ts).
import { parentPort } from 'node:worker_threads'
import * as umbral from '../crypto/umbral.ts'
import { MalformedCapsuleError, reencryptInThread } from './reencryptCapsules.ts'
import type { ReencryptJob, ReencryptReply } from './reencryptPool.ts'

const maxFragments = 1_024
const fragments = new Map<string, umbral.VerifiedKeyFrag>()

function fragment(key: string, bytes: Uint8Array): umbral.VerifiedKeyFrag {
  const known = fragments.get(key)
  if (known) return known
  const parsed = umbral.KeyFrag.fromBytes(bytes)
  // The proxy service verified this fragment against the patient's keys when it opened
  // the bundle; it sends the bytes of that verified fragment.
  const verified = parsed.skipVerification()
  parsed.free()
  fragments.set(key, verified)
  if (fragments.size > maxFragments) {
    const [oldest, dropped] = fragments.entries().next().value as [string, umbral.VerifiedKeyFrag]
    fragments.delete(oldest)
    dropped.free()
  }
  return verified
}

parentPort!.on('message', (job: ReencryptJob) => {
  let reply: ReencryptReply
  try {
    const cfrags = reencryptInThread(fragment(job.fragmentKey, job.kfrag), job.capsules)
    reply = { id: job.id, cfrags }
  } catch (error) {
    reply = error instanceof MalformedCapsuleError ? { id: job.id, malformed: true } : { id: job.id, error: error instanceof Error ? error.message : String(error) }
  }
  parentPort!.postMessage(reply)
})
