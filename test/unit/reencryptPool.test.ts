// The care node's re-encryption worker pool: real worker threads, real Umbral.
import * as umbral from '@nucypher/umbral-pre'
import { afterAll, describe, expect, it } from 'vitest'
import { MalformedCapsuleError, reencryptInThread } from '../../src/p2p/reencryptCapsules.ts'
import { createReencryptPool, ReencryptPoolError } from '../../src/p2p/reencryptPool.ts'

const delegating = umbral.SecretKey.random()
const receiving = umbral.SecretKey.random()
const signer = new umbral.Signer(umbral.SecretKey.random())
const [kfrag] = umbral.generateKFrags(delegating, receiving.publicKey(), signer, 1, 1, true, true)
const pool = createReencryptPool({ threads: 2 })
afterAll(() => pool.stop())

function sealed(text: string) {
  const [capsule, ciphertext] = umbral.encrypt(delegating.publicKey(), new TextEncoder().encode(text))
  return { capsule, ciphertext }
}

describe('re-encryption worker pool', () => {
  it('re-encrypts in workers exactly as in the thread: the receiver verifies each fragment and decrypts', async () => {
    const messages = Array.from({ length: 12 }, (_, i) => sealed(`record ${i}`))
    // Many jobs at once, spread over both workers.
    const answers = await Promise.all(
      messages.map(({ capsule }) => pool.reencryptCapsules({ fragmentKey: 'bundle-a:labs', kfrag: kfrag!, capsules: [capsule.toBytes()] })),
    )
    answers.forEach((cfrags, i) => {
      expect(cfrags).toHaveLength(1)
      const verified = umbral.CapsuleFrag.fromBytes(cfrags[0]!).verify(messages[i]!.capsule, signer.verifyingKey(), delegating.publicKey(), receiving.publicKey())
      const plain = umbral.decryptReencrypted(receiving, delegating.publicKey(), messages[i]!.capsule, [verified], messages[i]!.ciphertext)
      expect(new TextDecoder().decode(plain)).toBe(`record ${i}`)
    })
    // The same capsule through the in-thread path gives a fragment that verifies too.
    const inThread = reencryptInThread(kfrag!, [messages[0]!.capsule.toBytes()])
    expect(() => umbral.CapsuleFrag.fromBytes(inThread[0]!).verify(messages[0]!.capsule, signer.verifyingKey(), delegating.publicKey(), receiving.publicKey())).not.toThrow()
  })

  it('keeps several capsules of one request in order', async () => {
    const messages = ['a', 'b', 'c'].map(sealed)
    const cfrags = await pool.reencryptCapsules({ fragmentKey: 'bundle-a:labs', kfrag: kfrag!, capsules: messages.map((m) => m.capsule.toBytes()) })
    cfrags.forEach((bytes, i) => {
      expect(() => umbral.CapsuleFrag.fromBytes(bytes).verify(messages[i]!.capsule, signer.verifyingKey(), delegating.publicKey(), receiving.publicKey())).not.toThrow()
    })
  })

  it('rejects bytes that are not a capsule with MalformedCapsuleError, and goes on working', async () => {
    const good = sealed('after')
    await expect(pool.reencryptCapsules({ fragmentKey: 'bundle-a:labs', kfrag: kfrag!, capsules: [good.capsule.toBytes(), new Uint8Array(98).fill(7)] })).rejects.toBeInstanceOf(MalformedCapsuleError)
    const [cfrag] = await pool.reencryptCapsules({ fragmentKey: 'bundle-a:labs', kfrag: kfrag!, capsules: [good.capsule.toBytes()] })
    expect(cfrag!.byteLength).toBeGreaterThan(0)
  })

  it('refuses a thread count out of range, and jobs after stop', async () => {
    expect(() => createReencryptPool({ threads: 0 })).toThrow(RangeError)
    const other = createReencryptPool({ threads: 1 })
    await other.stop()
    await expect(other.reencryptCapsules({ fragmentKey: 'k', kfrag: kfrag!, capsules: [] })).rejects.toBeInstanceOf(ReencryptPoolError)
  })
})
