import * as umbral from '../../crypto/umbral.ts'
import { KeyUnwrapError } from '../../crypto/umbral.ts'
import type { Scope } from '../scopes.ts'
import { ProxyRefusedError, SharedAccessError, type ProxyFailureCode } from './shareErrors.ts'
import type { FragmentSource } from './unwrapThroughProxies.ts'

/** One record's key to unwrap: its capsule and wrapped data key, in its scope's epoch. */
export type BatchUnwrapItem = { scope: Scope; epoch: number; capsule: Uint8Array; wrappedKey: Uint8Array }

export type UnwrapBatchThroughProxiesParameters = {
  items: readonly BatchUnwrapItem[]
  threshold: number
  /** The grant key that signed the fragments (33-byte compressed, from the bundle). */
  verifyingKey: Uint8Array
  /** The scope's delegating key in that epoch (from the bundle); throws (NotSharedError) when the grant does not cover it. */
  delegatingKey(scope: Scope, epoch: number): Uint8Array
  receivingSecretKey: umbral.SecretKey
  /** In order of preference; the first `threshold` are asked at once, the rest stand by. */
  sources: readonly FragmentSource[]
  /** Capsules per request (the proxies' limit, maxBatchCapsules); a larger set goes in several. */
  maxBatch: number
  /** Called once per item as soon as its data key (or its failure) is known. */
  onItem?(index: number, result: Uint8Array | Error): void
  signal?: AbortSignal
  /** Where the time goes, added to (ms): the slowest proxy's answer, verifying fragments, unwrapping keys. */
  timing?: { proxies: number; verify: number; unwrap: number }
}

const maxCfragBytes = 1024
/** Verified items between two yields to the event loop, so a page keeps drawing while keys are unwrapped. */
const itemsPerYield = 24

/**
 * Unwraps many records' data keys with one request per proxy (a batch), `threshold`
 * fragments per capsule from distinct proxies. A key is accepted only when it unwraps
 * (AEAD); when it does not, the fragments are verified, and a proxy whose fragment fails
 * is dropped for every capsule still open (its other fragments are discarded) and
 * another one is asked; a capsule a proxy refuses alone
 * (not a capsule, scope not granted) is asked of the next proxy, and fails alone when
 * no `threshold` proxies serve it. Returns each item's data key or its error, in order.
 */
export async function unwrapBatchThroughProxies(parameters: UnwrapBatchThroughProxiesParameters): Promise<(Uint8Array | Error)[]> {
  const { items, threshold, sources, maxBatch, onItem, signal } = parameters
  const timing = parameters.timing ?? { proxies: 0, verify: 0, unwrap: 0 }
  let slowestAnswer = 0
  if (!Number.isInteger(threshold) || threshold < 1) throw new TypeError('threshold must be a positive integer')
  const results: (Uint8Array | Error | undefined)[] = new Array(items.length)
  const settle = (index: number, result: Uint8Array | Error) => {
    if (results[index] !== undefined) return
    results[index] = result
    onItem?.(index, result)
  }
  const receiving = parameters.receivingSecretKey.publicKey()
  const verifyingKey = umbral.PublicKey.fromCompressedBytes(parameters.verifyingKey)
  const delegating = new Map<string, umbral.PublicKey>()
  const capsules: (umbral.Capsule | undefined)[] = items.map((item, index) => {
    try {
      const key = `${item.scope}:${item.epoch}`
      if (!delegating.has(key)) delegating.set(key, umbral.PublicKey.fromCompressedBytes(parameters.delegatingKey(item.scope, item.epoch)))
      return umbral.Capsule.fromBytes(item.capsule)
    } catch (cause) {
      settle(index, cause instanceof Error && 'shortMessage' in cause ? cause : new KeyUnwrapError({ details: 'capsule is not an Umbral capsule', cause: cause instanceof Error ? cause : new Error(String(cause)) }))
      return undefined
    }
  })
  const delegatingOf = (index: number) => delegating.get(`${items[index]!.scope}:${items[index]!.epoch}`)!
  /** Fragments received for each capsule, not yet verified, with the proxy that sent each. */
  const held: { proxy: string; bytes: Uint8Array }[][] = items.map(() => [])
  const inFlight = new Array<number>(items.length).fill(0)
  const failures: { proxy: string; code: ProxyFailureCode }[][] = items.map(() => [])
  const liars = new Set<string>()
  const open = () => items.flatMap((_, i) => (results[i] === undefined && held[i]!.length + inFlight[i]! < threshold ? [i] : []))

  /** A proxy sent a fragment that does not verify: everything it sent for open capsules is dropped, and they are asked of another. */
  const dropLiar = (proxy: string) => {
    liars.add(proxy)
    for (let j = 0; j < items.length; j++) {
      if (results[j] !== undefined) continue
      const before = held[j]!.length
      held[j] = held[j]!.filter((fragment) => fragment.proxy !== proxy)
      if (held[j]!.length < before) failures[j]!.push({ proxy, code: 'forged-fragment' })
    }
  }

  /**
   * Unwraps a capsule's data key from `threshold` fragments of distinct proxies. Optimistic:
   * the wrapped key is AEAD-sealed under a key only the right fragments give, so a key that
   * unwraps is the patient's; the fragments are verified (about 1.4 ms each, twice the
   * unwrap) only when unwrapping fails, to find the proxy that lied.
   */
  const unwrap = (index: number) => {
    const fragments = held[index]!.slice(0, threshold)
    const started = performance.now()
    const cfrags: umbral.VerifiedCapsuleFrag[] = []
    try {
      for (const fragment of fragments) cfrags.push(umbral.CapsuleFrag.fromBytes(fragment.bytes).skipVerification())
      settle(index, umbral.decryptReencrypted(parameters.receivingSecretKey, delegatingOf(index), capsules[index]!, cfrags, items[index]!.wrappedKey))
      return
    } catch {
      // Below: which fragment is wrong.
    } finally {
      cfrags.forEach((cfrag) => cfrag.free())
      timing.unwrap += performance.now() - started
    }
    const verifying = performance.now()
    let lied = false
    for (const fragment of fragments) {
      try {
        verifyFragment(fragment.bytes, capsules[index]!, verifyingKey, delegatingOf(index), receiving, fragment.proxy).free()
      } catch {
        lied = true
        dropLiar(fragment.proxy)
      }
    }
    timing.verify += performance.now() - verifying
    // Every fragment verifies, yet the key does not unwrap: the envelope's wrapped key is not this capsule's.
    if (!lied) settle(index, new KeyUnwrapError({ details: 'verified fragments do not unwrap the wrapped key' }))
  }

  /** One proxy asked for `wanted` (in chunks of maxBatch); each capsule is unwrapped as soon as it holds `threshold` fragments. */
  const askOne = async (source: FragmentSource, wanted: number[]): Promise<void> => {
    wanted.forEach((i) => inFlight[i]!++)
    let pending = [...wanted]
    try {
      for (let start = 0; start < wanted.length; start += maxBatch) {
        signal?.throwIfAborted()
        const chunk = wanted.slice(start, start + maxBatch)
        const groups = new Map<string, { scope: Scope; epoch: number; indices: number[] }>()
        for (const i of chunk) {
          const { scope, epoch } = items[i]!
          const key = `${scope}:${epoch}`
          if (!groups.has(key)) groups.set(key, { scope, epoch, indices: [] })
          groups.get(key)!.indices.push(i)
        }
        const order = [...groups.values()].flatMap((group) => group.indices)
        const asked = performance.now()
        const answer = await askGroups(source, [...groups.values()].map((group) => ({ scope: group.scope, epoch: group.epoch, capsules: group.indices.map((i) => items[i]!.capsule) })))
        slowestAnswer = Math.max(slowestAnswer, performance.now() - asked)
        if (answer.length !== order.length) throw new ProxyRefusedError('bad-response', `${source.id} answered ${answer.length} results for ${order.length} capsules`)
        for (let k = 0; k < order.length; k++) {
          if (k % itemsPerYield === itemsPerYield - 1) await yieldToEventLoop()
          const i = order[k]!
          inFlight[i]!--
          pending = pending.filter((p) => p !== i)
          const result = answer[k]!
          if (result instanceof ProxyRefusedError) {
            failures[i]!.push({ proxy: source.id, code: result.code })
            continue
          }
          if (results[i] !== undefined || liars.has(source.id)) continue
          if (result.byteLength > maxCfragBytes) {
            dropLiar(source.id)
            continue
          }
          held[i]!.push({ proxy: source.id, bytes: result })
          if (held[i]!.length >= threshold) unwrap(i)
        }
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      const code: ProxyFailureCode = error instanceof ProxyRefusedError ? error.code : 'unreachable'
      for (const i of pending) failures[i]!.push({ proxy: source.id, code })
    } finally {
      for (const i of pending) inFlight[i]!--
    }
  }

  try {
    let next = 0
    const lane = async (): Promise<void> => {
      for (;;) {
        signal?.throwIfAborted()
        const wanted = open()
        if (wanted.length === 0 || next >= sources.length) return
        await askOne(sources[next++]!, wanted)
      }
    }
    await Promise.all(Array.from({ length: Math.min(threshold, sources.length) }, lane))
    // A lane may finish while another's answer was still out: what is left short failed.
    for (let i = 0; i < items.length; i++) if (results[i] === undefined) settle(i, new SharedAccessError(failures[i]!))
    return results as (Uint8Array | Error)[]
  } finally {
    capsules.forEach((capsule) => capsule?.free())
    delegating.forEach((key) => key.free())
    verifyingKey.free()
    receiving.free()
    timing.proxies += slowestAnswer
  }
}

/** A batch when the proxy speaks it; otherwise one request per group (a whole group fails together). */
async function askGroups(source: FragmentSource, groups: { scope: Scope; epoch: number; capsules: Uint8Array[] }[]): Promise<(Uint8Array | ProxyRefusedError)[]> {
  if (source.reencryptBatch) return source.reencryptBatch(groups)
  const answers = await Promise.all(
    groups.map(async (group) => {
      try {
        return await source.reencrypt(group.scope, group.epoch, group.capsules)
      } catch (error) {
        const refusal = error instanceof ProxyRefusedError ? error : new ProxyRefusedError('unreachable', `${source.id} failed`)
        return group.capsules.map(() => refusal)
      }
    }),
  )
  return answers.flat()
}

function verifyFragment(
  bytes: Uint8Array,
  capsule: umbral.Capsule,
  verifying: umbral.PublicKey,
  delegating: umbral.PublicKey,
  receiving: umbral.PublicKey,
  proxy: string,
): umbral.VerifiedCapsuleFrag {
  try {
    if (bytes.byteLength > maxCfragBytes) throw new Error('fragment is not bytes of a sane size')
    // verify() consumes the parsed fragment whether or not it succeeds.
    return umbral.CapsuleFrag.fromBytes(bytes).verify(capsule, verifying, delegating, receiving)
  } catch (cause) {
    throw new ProxyRefusedError('forged-fragment', `${proxy} sent a fragment that does not verify`, { cause: cause instanceof Error ? cause : new Error(String(cause)) })
  }
}

/** Lets the page draw between chunks of cryptography (scheduler.yield where the browser has it). */
function yieldToEventLoop(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler
  if (scheduler?.yield) return scheduler.yield()
  return new Promise((resolve) => setTimeout(resolve, 0))
}
