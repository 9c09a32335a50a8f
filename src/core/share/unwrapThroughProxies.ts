import * as umbral from '../../crypto/umbral.ts'
import { KeyUnwrapError } from '../../crypto/umbral.ts'
import type { Scope } from '../scopes.ts'
import { ProxyRefusedError, SharedAccessError, type ProxyFailureCode } from './shareErrors.ts'

/** One proxy as the doctor's side sees it: asks it to re-encrypt capsules of one scope. */
export type FragmentSource = {
  /** For messages: the proxy's address or peer id. */
  id: string
  /** Returns one capsule fragment (unverified bytes) per capsule of the scope's `epoch`, in order; throws `ProxyRefusedError`. */
  reencrypt(scope: Scope, epoch: number, capsules: Uint8Array[]): Promise<Uint8Array[]>
  /**
   * Many records' capsules in one request (a batch): one result per capsule, in order,
   * unverified fragment bytes or the proxy's refusal of that capsule. Throws
   * `ProxyRefusedError` when the whole batch is refused. Absent: one request per group.
   */
  reencryptBatch?(groups: { scope: Scope; epoch: number; capsules: Uint8Array[] }[]): Promise<(Uint8Array | ProxyRefusedError)[]>
}

export type UnwrapThroughProxiesParameters = {
  scope: Scope
  epoch: number
  items: { capsule: Uint8Array; wrappedKey: Uint8Array }[]
  threshold: number
  /** The grant key that signed the fragments, the scope's delegating key in that epoch, both 33-byte compressed (from the bundle). */
  verifyingKey: Uint8Array
  delegatingKey: Uint8Array
  receivingSecretKey: umbral.SecretKey
  /** In order of preference; the first `threshold` are asked at once, the rest stand by. */
  sources: FragmentSource[]
}

const maxCfragBytes = 1024

/**
 * Gets `threshold` verified capsule fragments per capsule from distinct proxies and
 * decrypts the data keys. A proxy whose answer fails verification for any capsule
 * (garbage, a fragment of another capsule or key) is dropped whole and another one
 * is asked, so t honest proxies out of n are enough.
 */
export async function unwrapThroughProxies(parameters: UnwrapThroughProxiesParameters): Promise<Uint8Array[]> {
  const { scope, epoch, items, threshold, sources } = parameters
  if (!Number.isInteger(threshold) || threshold < 1) throw new TypeError('threshold must be a positive integer')
  if (items.length === 0) return []
  const capsules = items.map((item) => parseCapsule(item.capsule))
  const keys = {
    verifying: umbral.PublicKey.fromCompressedBytes(parameters.verifyingKey),
    delegating: umbral.PublicKey.fromCompressedBytes(parameters.delegatingKey),
    receiving: parameters.receivingSecretKey.publicKey(),
  }
  const accepted: umbral.VerifiedCapsuleFrag[][] = []
  const failures: { proxy: string; code: ProxyFailureCode }[] = []
  try {
    let next = 0
    const ask = async (): Promise<void> => {
      while (accepted.length < threshold && next < sources.length) {
        const source = sources[next++]!
        try {
          const answer = await source.reencrypt(scope, epoch, items.map((item) => item.capsule))
          const verified = verifyAll(answer, capsules, keys, source.id)
          if (accepted.length < threshold) accepted.push(verified)
          else verified.forEach((cfrag) => cfrag.free())
        } catch (error) {
          failures.push({ proxy: source.id, code: error instanceof ProxyRefusedError ? error.code : 'unreachable' })
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(threshold, sources.length) }, ask))
    if (accepted.length < threshold) throw new SharedAccessError(failures)
    return items.map((item, i) => {
      const cfrags = accepted.map((answer) => answer[i]!)
      try {
        return umbral.decryptReencrypted(parameters.receivingSecretKey, keys.delegating, capsules[i]!, cfrags, item.wrappedKey)
      } catch (cause) {
        throw new KeyUnwrapError({ cause: cause instanceof Error ? cause : new Error(String(cause)) })
      }
    })
  } finally {
    accepted.flat().forEach((cfrag) => cfrag.free())
    capsules.forEach((capsule) => capsule.free())
    Object.values(keys).forEach((key) => key.free())
  }
}

function verifyAll(
  answer: unknown,
  capsules: umbral.Capsule[],
  keys: { verifying: umbral.PublicKey; delegating: umbral.PublicKey; receiving: umbral.PublicKey },
  proxy: string,
): umbral.VerifiedCapsuleFrag[] {
  if (!Array.isArray(answer) || answer.length !== capsules.length) {
    throw new ProxyRefusedError('bad-response', `${proxy} answered ${Array.isArray(answer) ? answer.length : 'no'} fragments for ${capsules.length} capsules`)
  }
  const verified: umbral.VerifiedCapsuleFrag[] = []
  try {
    answer.forEach((bytes, i) => {
      if (!(bytes instanceof Uint8Array) || bytes.byteLength > maxCfragBytes) throw new Error('fragment is not bytes of a sane size')
      // verify() consumes the parsed fragment whether or not it succeeds.
      verified.push(umbral.CapsuleFrag.fromBytes(bytes).verify(capsules[i]!, keys.verifying, keys.delegating, keys.receiving))
    })
    return verified
  } catch (cause) {
    verified.forEach((cfrag) => cfrag.free())
    throw new ProxyRefusedError('forged-fragment', `${proxy} sent a fragment that does not verify`, {
      cause: cause instanceof Error ? cause : new Error(String(cause)),
    })
  }
}

function parseCapsule(bytes: Uint8Array): umbral.Capsule {
  try {
    return umbral.Capsule.fromBytes(bytes)
  } catch (cause) {
    throw new KeyUnwrapError({ details: 'capsule is not an Umbral capsule', cause: cause instanceof Error ? cause : new Error(String(cause)) })
  }
}
