import { describe, expect, it } from 'vitest'
import { openSmall, sealSmall } from '../../src/crypto/xchacha.ts'
import { DecryptionFailedError } from '../../src/crypto/decryptionFailedError.ts'

const key = crypto.getRandomValues(new Uint8Array(32))
const aad = new TextEncoder().encode('header')
const message = new TextEncoder().encode('{"resourceType":"AllergyIntolerance"}')

describe('xchacha', () => {
  it('round-trips with a fresh nonce every time', () => {
    const a = sealSmall(key, message, aad)
    const b = sealSmall(key, message, aad)
    expect(a.length).toBe(24 + message.length + 16)
    expect(a.subarray(0, 24)).not.toEqual(b.subarray(0, 24))
    expect(openSmall(key, a, aad)).toEqual(message)
    expect(openSmall(key, sealSmall(key, new Uint8Array(0), aad), aad)).toEqual(new Uint8Array(0))
  })

  it('rejects any flipped bit, a wrong key, wrong aad, or a short message', () => {
    const sealed = sealSmall(key, message, aad)
    for (const index of [0, 23, 24, sealed.length - 1]) {
      const altered = sealed.slice()
      altered[index]! ^= 1
      expect(() => openSmall(key, altered, aad)).toThrow(DecryptionFailedError)
    }
    expect(() => openSmall(crypto.getRandomValues(new Uint8Array(32)), sealed, aad)).toThrow(DecryptionFailedError)
    expect(() => openSmall(key, sealed, new Uint8Array([1]))).toThrow(DecryptionFailedError)
    expect(() => openSmall(key, sealed.subarray(0, 39), aad)).toThrow(DecryptionFailedError)
    expect(() => sealSmall(new Uint8Array(16), message, aad)).toThrow(TypeError)
  })
})
