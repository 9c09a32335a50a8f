import { isPreRefusalCode, ProxyRefusedError, type PreRefusalCode } from '../core/share/shareErrors.ts'

/** Re-encryption by a proxy: one signed CapsuleRequest in, capsule fragments or a refusal out. */
export const preProtocol = '/salus/pre/1.0.0'

export type PreResponse =
  | { ok: true; cfrags: Uint8Array[] }
  | { ok: false; code: PreRefusalCode; message: string }

const maxCfragBytes = 1024
const maxMessageLength = 500

/** Validates a proxy's answer as untrusted input; a refusal becomes `ProxyRefusedError` with its code. */
export function parsePreResponse(value: unknown, expectedCount: number): Uint8Array[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProxyRefusedError('bad-response', 'response is not a map')
  }
  const response = value as Record<string, unknown>
  if (response.ok === true) {
    const { cfrags } = response
    if (
      Array.isArray(cfrags) &&
      cfrags.length === expectedCount &&
      cfrags.every((cfrag) => cfrag instanceof Uint8Array && cfrag.byteLength > 0 && cfrag.byteLength <= maxCfragBytes)
    ) {
      return cfrags as Uint8Array[]
    }
    throw new ProxyRefusedError('bad-response', `expected ${expectedCount} fragments of at most ${maxCfragBytes} bytes`)
  }
  if (response.ok === false && typeof response.code === 'string') {
    const message = typeof response.message === 'string' ? response.message.slice(0, maxMessageLength) : ''
    throw new ProxyRefusedError(isPreRefusalCode(response.code) ? response.code : 'internal', `proxy refused: ${response.code}: ${message}`)
  }
  throw new ProxyRefusedError('bad-response', 'response has neither ok:true with cfrags nor ok:false with a code')
}

/** One capsule's place in a batch answer: its fragment, or why the proxy refused it alone. */
export type PreBatchResult = Uint8Array | { code: PreRefusalCode; message: string }

/** The answer to a batch (request version 4): one result per capsule, in request order; or a refusal of the whole batch. */
export type PreBatchResponse =
  | { ok: true; results: PreBatchResult[] }
  | { ok: false; code: PreRefusalCode; message: string }

/** Largest request a proxy reads: a full batch (maxBatchCapsules capsules of up to 105 bytes) with room to spare. */
export const maxPreRequestBytes = 192 * 1024
/** Largest answer a client reads: a full batch's fragments (about 381 bytes each). */
export const maxPreResponseBytes = 640 * 1024

/**
 * Validates a proxy's answer to a batch as untrusted input: one result per capsule, each
 * a fragment of sane size or a refusal with its code (a `ProxyRefusedError` in its place).
 * A refusal of the whole batch throws `ProxyRefusedError` with its code.
 */
export function parsePreBatchResponse(value: unknown, expectedCount: number): (Uint8Array | ProxyRefusedError)[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProxyRefusedError('bad-response', 'response is not a map')
  }
  const response = value as Record<string, unknown>
  if (response.ok === true) {
    const { results } = response
    if (!Array.isArray(results) || results.length !== expectedCount) {
      throw new ProxyRefusedError('bad-response', `expected ${expectedCount} results, one per capsule`)
    }
    return results.map((result) => {
      if (result instanceof Uint8Array) {
        if (result.byteLength > 0 && result.byteLength <= maxCfragBytes) return result
        throw new ProxyRefusedError('bad-response', `a fragment of ${result.byteLength} bytes (at most ${maxCfragBytes})`)
      }
      if (typeof result === 'object' && result !== null && typeof (result as { code?: unknown }).code === 'string') {
        const { code, message } = result as { code: string; message?: unknown }
        const text = typeof message === 'string' ? message.slice(0, maxMessageLength) : ''
        return new ProxyRefusedError(isPreRefusalCode(code) ? code : 'internal', `proxy refused this capsule: ${code}: ${text}`)
      }
      throw new ProxyRefusedError('bad-response', 'a result is neither a fragment nor a refusal')
    })
  }
  // A refusal of the whole batch reads like a single request's.
  return parsePreResponse(value, expectedCount)
}
