import { describe, expect, it } from 'vitest'
import { decodeBech32m, encodeBech32m } from '../../src/core/bech32m.ts'

describe('bech32m', () => {
  it('accepts the BIP-350 test vectors and refuses altered ones', () => {
    for (const valid of ['A1LQFN3A', 'a1lqfn3a', 'abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx', '?1v759aa', 'split1checkupstagehandshakeupstreamerranterredcaperredlc445v']) {
      expect(decodeBech32m(valid).ok, valid).toBe(true)
    }
    expect(decodeBech32m('a1lqfn3q')).toEqual({ ok: false, reason: 'checksum' })
    // A bech32 (not bech32m) checksum is refused.
    expect(decodeBech32m('a12uel5l')).toEqual({ ok: false, reason: 'checksum' })
    expect(decodeBech32m('A1lqfn3a')).toEqual({ ok: false, reason: 'format' })
    expect(decodeBech32m('1qqqqqqqq')).toEqual({ ok: false, reason: 'format' })
  })

  it('round-trips bytes', () => {
    for (const length of [0, 1, 20, 32, 40]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff)
      const decoded = decodeBech32m(encodeBech32m('test', bytes))
      expect(decoded).toEqual({ ok: true, prefix: 'test', bytes })
    }
  })
})
