// Attack: keep a care node busy with requests. Even refused requests cost the node a
// stream, a decode and (for signed ones) a signature check; a single peer sending as fast
// as it can should not get a request handled after its burst is spent. The attacker opens
// one connection and sends pin, head and re-encryption requests in a tight loop; after
// the burst the care node must answer `rate-limited` without looking at them.
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { headProtocol } from '../../src/p2p/headProtocol.ts'
import { messageStream } from '../../src/p2p/messages.ts'
import { pinProtocol } from '../../src/p2p/pinProtocol.ts'
import { preProtocol } from '../../src/p2p/preProtocol.ts'
import { peer, rawExchange } from './careSupport.ts'

describe('attack: flood a care node from one peer', () => {
  let care: CareNode
  let attacker: SalusNode
  let other: SalusNode

  beforeAll(async () => {
    care = await startCareNode({ port: 0 })
    attacker = await peer(91, care.multiaddrs)
    other = await peer(92, care.multiaddrs)
  })
  afterAll(async () => {
    await attacker?.stop()
    await other?.stop()
    await care?.stop()
  })

  it('pin requests beyond the burst are answered rate-limited; another peer is still served', async () => {
    const codes: string[] = []
    const started = performance.now()
    for (let i = 0; i < 40; i++) codes.push(String((await rawExchange(attacker, care, pinProtocol, { v: 1, cids: [] })).code))
    const seconds = (performance.now() - started) / 1000
    const served = codes.filter((c) => c !== 'rate-limited').length
    console.info(`40 pin requests from one peer in ${seconds.toFixed(2)} s: ${40 - served} rate-limited`)
    expect(codes.slice(0, 25).every((code) => code !== 'rate-limited')).toBe(true)
    // The burst (30) and the refill (1 a second) over the time taken, and no more.
    expect(served).toBeLessThanOrEqual(30 + Math.ceil(seconds) + 1)
    expect((await rawExchange(other, care, pinProtocol, { v: 1, cids: [] })).code).not.toBe('rate-limited')
  })

  it('head requests beyond the burst are answered rate-limited', async () => {
    const codes: string[] = []
    const get = { v: 1, op: 'get', author: new Uint8Array(33).fill(2), scope: 'labs' }
    const started = performance.now()
    for (let i = 0; i < 80; i++) codes.push(String((await rawExchange(attacker, care, headProtocol, get)).code))
    const seconds = (performance.now() - started) / 1000
    const served = codes.filter((c) => c !== 'rate-limited').length
    console.info(`80 head gets from one peer in ${seconds.toFixed(2)} s: ${80 - served} rate-limited`)
    expect(codes.slice(0, 50).every((code) => code !== 'rate-limited')).toBe(true)
    // The burst (60) and the refill (5 a second) over the time taken, and no more.
    expect(served).toBeLessThanOrEqual(60 + Math.ceil(5 * seconds) + 1)
  })
})

describe('attack: flood a proxy from one peer', () => {
  let care: CareNode
  let attacker: SalusNode

  beforeAll(async () => {
    const oracle = { grant: async () => undefined, lastSession: async () => 0, granteeKey: async () => undefined }
    const umbral = await import('@nucypher/umbral-pre')
    care = await startCareNode({
      port: 0,
      reencryptThreads: 0,
      sharing: { proxy: { address: '0x0000000000000000000000000000000000000001', secretKey: umbral.SecretKey.random(), oracle }, preRateLimit: { burst: 100, perSecond: 50 } },
    })
    attacker = await peer(93, care.multiaddrs)
  })
  afterAll(async () => {
    await attacker?.stop()
    await care?.stop()
  })

  it('re-encryption requests beyond the burst are answered rate-limited', async () => {
    const stream = await attacker.libp2p.dialProtocol(multiaddr(care.multiaddrs[0]!), preProtocol, { runOnLimitedConnection: true })
    const messages = messageStream(stream)
    const codes: string[] = []
    const started = performance.now()
    for (let i = 0; i < 400; i++) {
      await messages.write({ v: 1, junk: i }, { signal: AbortSignal.timeout(10_000) })
      codes.push(String(((await messages.read({ signal: AbortSignal.timeout(10_000) })) as { code?: string }).code))
    }
    const seconds = (performance.now() - started) / 1000
    await stream.close().catch(() => {})
    const served = codes.filter((c) => c !== 'rate-limited').length
    console.info(`400 re-encryption requests on one stream in ${seconds.toFixed(2)} s: ${400 - served} rate-limited`)
    expect(codes.slice(0, 90).every((code) => code !== 'rate-limited')).toBe(true)
    // The burst (100) and the refill (50 a second) over the time taken, and no more.
    expect(served).toBeLessThanOrEqual(100 + Math.ceil(50 * seconds) + 1)
  })
})
