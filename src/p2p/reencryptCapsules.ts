// SPDX-License-Identifier: GPL-3.0-or-later
// Capsule re-encryption, shared by the proxy service (in its own thread) and the care
// node's worker threads (reencryptWorker.ts). Plain TypeScript that Node can run by
// stripping types: no enums, no parameter properties, type-only imports marked.
import * as umbral from '../crypto/umbral.ts'

/**
 * Re-encrypts each capsule (its bytes, untrusted) under one verified key fragment and
 * returns the capsule fragments' bytes, in order. Rejects with MalformedCapsuleError
 * when a capsule is not one; `fragmentKey` names the fragment, for caches.
 */
export type ReencryptCapsules = (job: {
  fragmentKey: string
  kfrag: umbral.VerifiedKeyFrag
  capsules: readonly Uint8Array[]
}) => Promise<Uint8Array[]>

export class MalformedCapsuleError extends Error {
  constructor() {
    super('a capsule is not an Umbral capsule')
    this.name = 'MalformedCapsuleError'
  }
}

/** Re-encryption in the calling thread. */
export function reencryptInThread(kfrag: umbral.VerifiedKeyFrag, capsules: readonly Uint8Array[]): Uint8Array[] {
  return capsules.map((bytes) => {
    let capsule: umbral.Capsule
    try {
      capsule = umbral.Capsule.fromBytes(bytes)
    } catch {
      throw new MalformedCapsuleError()
    }
    const cfrag = umbral.reencrypt(capsule, kfrag)
    try {
      return cfrag.toBytes()
    } finally {
      cfrag.free()
      capsule.free()
    }
  })
}
