// Attack: make a proxy hammer its RPC node. Every /salus/pre request named a grant id, and
// the proxy read that grant and its last session from the chain before it could check the
// request's signature (the grantee's key is found through the grant). An attacker sending
// badly signed requests for made-up grant ids, as fast as the connection allows, turned
// each one into contract reads: the proxy's RPC quota or node is exhausted, and real
// grantees wait. The attacker here floods a real care node backed by a real anvil and
// counts the RPC calls the care node makes while the flood lasts.
import * as umbral from '@nucypher/umbral-pre'
import { multiaddr } from '@multiformats/multiaddr'
import { createPublicClient, http, type Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount, deploySalus } from '../../src/chain/deploy/deploySalus.ts'
import { encodeCapsuleRequest, signCapsuleRequest } from '../../src/core/consent/capsuleRequest.ts'
import { wrapDataKey } from '../../src/crypto/umbral.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'
import { cachedGrantOracle } from '../../src/p2p/cachedGrantOracle.ts'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { chainGrantOracle } from '../../src/p2p/chainGrantOracle.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { messageStream } from '../../src/p2p/messages.ts'
import { preProtocol } from '../../src/p2p/preProtocol.ts'
import { submitGrant } from '../../src/chain/consent/submitGrant.ts'
import { clientsFor, identitySecretOf, prepareGrant } from '../support/consentChain.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'
import { peer } from './careSupport.ts'

const floodSize = 300

describe('attack: flood a proxy with badly signed re-encryption requests', () => {
  let anvil: Anvil
  let care: CareNode
  let attacker: SalusNode
  const calls: string[] = []
  let counting = false
  let realGrant: bigint

  beforeAll(async () => {
    anvil = await startAnvil()
    const config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
    const client = createPublicClient({
      transport: http(anvil.rpcUrl, {
        onFetchRequest: async (request) => {
          if (!counting) return
          const body = (await request.clone().json()) as { method: string } | Array<{ method: string }>
          for (const call of Array.isArray(body) ? body : [body]) calls.push(call.method)
        },
      }),
    })
    const consent = config.contracts.Consent!
    // One real grant, so the flood can also name a grant that exists.
    const doctor = clientsFor(anvil.rpcUrl, anvilAccount(2).privateKey)
    const prepared = await prepareGrant({
      consent: consent.address,
      identitySecret: await identitySecretOf(anvilAccount(8).privateKey),
      grantee: doctor.walletClient.account.address,
      scopesMask: 1 << 8,
      expiry: BigInt(Math.floor(Date.now() / 1000) + 3600),
      proxies: [anvilAccount(11).account.address],
      threshold: 1,
    })
    realGrant = (await submitGrant(doctor.walletClient, { consent: consent.address, ...prepared })).grantId
    // As scripts/careNode.ts builds it.
    const oracle = cachedGrantOracle(chainGrantOracle(client, { consent: consent.address, registry: config.contracts.Registry.address, fromBlock: BigInt(consent.deployBlock) }))
    care = await startCareNode({
      port: 0,
      reencryptThreads: 0,
      // High enough that the flood reaches the proxy: this test is about the chain, careRateLimit about the rate.
      sharing: { proxy: { address: anvilAccount(11).account.address as Address, secretKey: umbral.SecretKey.random(), oracle }, preRateLimit: { burst: 10_000, perSecond: 10_000 } },
    })
    attacker = await peer(101, care.multiaddrs)
    // Let the proxy's event follower finish its first sync.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
  })
  afterAll(async () => {
    await attacker?.stop()
    await care?.stop()
    anvil?.stop()
  })

  async function flood(grantIdOf: () => bigint) {
    const signer = new umbral.Signer(umbral.SecretKey.random())
    const { capsule } = wrapDataKey(scopeSecretKey(new Uint8Array(32).fill(5), 'labs', 0).publicKey(), new Uint8Array(32))
    const stream = await attacker.libp2p.dialProtocol(multiaddr(care.multiaddrs[0]!), preProtocol, { runOnLimitedConnection: true })
    const messages = messageStream(stream)
    const codes = new Map<string, number>()
    calls.length = 0
    counting = true
    const started = performance.now()
    for (let i = 0; i < floodSize; i++) {
      const grantId = grantIdOf()
      await messages.write(encodeCapsuleRequest(signCapsuleRequest(signer, { grantId, scope: 'labs', epoch: 0, capsules: [capsule] })), { signal: AbortSignal.timeout(10_000) })
      const code = String(((await messages.read({ signal: AbortSignal.timeout(30_000) })) as { code?: string }).code)
      codes.set(code, (codes.get(code) ?? 0) + 1)
    }
    const seconds = (performance.now() - started) / 1000
    counting = false
    await stream.close().catch(() => {})
    const reads = calls.filter((method) => method === 'eth_call').length
    console.info(`${floodSize} badly signed requests in ${seconds.toFixed(2)} s: ${JSON.stringify(Object.fromEntries(codes))}; RPC calls ${calls.length} (${reads} contract reads)`)
    return { seconds, reads, codes }
  }

  it('for made-up grant ids costs no contract read, however many requests', async () => {
    const { seconds, reads } = await flood(() => BigInt(1_000 + Math.floor(Math.random() * 2 ** 48)))
    expect(reads).toBe(0)
    // Only the proxy's own event polling (every 4 s: block number and logs) may run meanwhile.
    expect(calls.every((method) => method === 'eth_blockNumber' || method === 'eth_getLogs')).toBe(true)
    expect(calls.length).toBeLessThanOrEqual(2 * (Math.ceil(seconds / 4) + 1))
  })

  it('for a real grant costs a few reads a second, not one per request', async () => {
    const { seconds, reads, codes } = await flood(() => realGrant)
    expect(codes.get('bad-signature')).toBe(floodSize)
    // Grant and session state at most once a second each, the grantee's key and the bundle check once.
    expect(reads).toBeLessThanOrEqual(2 * (Math.ceil(seconds) + 1) + 2)
    expect(reads).toBeLessThan(floodSize / 10)
  })
})
