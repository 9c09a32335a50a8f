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
