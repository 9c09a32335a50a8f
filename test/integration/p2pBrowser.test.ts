// createBrowserNode in real Chromium: bundled for the browser by Vite, IndexedDB
// stores, WebRTC between two browser nodes signalled through a care node relay,
// and a pin that outlives the patient's tab.
import { createServer, type Server } from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { build, type Rollup } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { hostCandidates, launchBrowser } from '../e2e/support/browser.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const patient = '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f'
const doctor = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

// The page's API: thin wrappers so the test can drive nodes with plain values.
const harness = `
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { multiaddr } from '@multiformats/multiaddr'
import { createBrowserNode } from '${root}/src/p2p/createBrowserNode.ts'
import { requestPin } from '${root}/src/p2p/requestPin.ts'
let node
const concat = async (source) => { const parts = []; for await (const p of source) parts.push(...p); return parts }
window.salus = {
  async start(account, seedByte, relays) {
    node = await createBrowserNode({ account, peerKeySeed: new Uint8Array(32).fill(seedByte), relays })
    return node.libp2p.peerId.toString()
  },
  addrs: () => node.libp2p.getMultiaddrs().map(String),
  async put(bytes) {
    const data = new Uint8Array(bytes)
    const cid = CID.createV1(raw.code, await sha256.digest(data))
    await node.blockstore.put(cid, data)
    return cid.toString()
  },
  has: (cid) => node.blockstore.has(CID.parse(cid)),
  async get(cid, timeoutMs) {
    return concat(node.blockstore.get(CID.parse(cid), { signal: AbortSignal.timeout(timeoutMs) }))
  },
  async dial(address) {
    // Two attempts: in the full suite (two shared cores, ~770 tests before it) one WebRTC
    // negotiation over the relay has been seen to stall past 20 s, while alone it takes ~0.4 s.
    let attempt = 0
    for (;;) {
      try {
        const connection = await node.libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(20000) })
        return { addr: connection.remoteAddr.toString(), limited: connection.limits != null, attempts: attempt + 1 }
      } catch (error) {
        if (++attempt >= 2) throw error
        console.warn('WebRTC dial failed once, retrying:', error)
      }
    }
  },
  connections: () => node.libp2p.getConnections().map((c) => c.remoteAddr.toString()),
  pin: (careNode, cids) => requestPin(node, { careNode, cids, timeoutMs: 30000, identitySeed: new Uint8Array(32).fill(99) }),
  stop: () => node.stop(),
}
`

async function bundleHarness(): Promise<Map<string, string | Uint8Array>> {
  const output = (await build({
    configFile: false,
    root,
    logLevel: 'silent',
    plugins: [
      {
        name: 'p2p-harness',
        resolveId: (id) => (id === 'virtual:p2p-harness' ? '\0p2p-harness' : undefined),
        load: (id) => (id === '\0p2p-harness' ? harness : undefined),
      },
    ],
    build: { write: false, target: 'es2022', minify: false, rollupOptions: { input: 'virtual:p2p-harness', output: { entryFileNames: 'harness.js' } } },
  })) as Rollup.RollupOutput | Rollup.RollupOutput[]
  const files = new Map<string, string | Uint8Array>()
  for (const item of (Array.isArray(output) ? output : [output]).flatMap((o) => o.output)) {
    files.set(`/${item.fileName}`, item.type === 'chunk' ? item.code : item.source)
  }
  files.set('/', '<!doctype html><meta charset="utf-8"><script type="module" src="/harness.js"></script>')
  return files
}

async function openNode(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`pageerror: ${error.message}`))
  await page.goto(url)
  await page.waitForFunction(() => 'salus' in window)
  return page
}

describe('browser nodes in Chromium', () => {
  let care: CareNode
  let server: Server
  let browser: Browser
  let url: string

  beforeAll(async () => {
    const files = await bundleHarness()
    server = createServer((request, response) => {
      const body = files.get(request.url ?? '/')
      if (body === undefined) return void response.writeHead(404).end()
      response.writeHead(200, { 'content-type': request.url === '/' ? 'text/html' : 'text/javascript' }).end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
    care = await startCareNode({ port: 0 })
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await care?.stop()
    await new Promise((resolve) => server?.close(resolve))
  })

  it('exchanges blocks over WebRTC, pins on the care node, and keeps the vault in IndexedDB', async () => {
    const relays = care.multiaddrs
    const alice = await openNode(browser, url)
    expect(await hostCandidates(alice), 'Chromium gathered no ICE host candidate: this host has no default route, see DEVELOPERS.md').not.toEqual([])
    const alicePeer = await alice.evaluate(([a, r]) => window.salus.start(a, 1, r), [patient, relays] as const)
    const first = await alice.evaluate(() => window.salus.put([1, 2, 3, 4]))
    const second = await alice.evaluate(() => window.salus.put(Array.from({ length: 100_000 }, (_, i) => i % 251)))
    const webrtcAddr = (await alice.evaluate(() => window.salus.addrs())).find((a) => a.includes('/webrtc/'))
    expect(webrtcAddr).toContain(`/p2p-circuit/webrtc/p2p/${alicePeer}`)

    const bob = await openNode(browser, url)
    await bob.evaluate(([a, r]) => window.salus.start(a, 2, r), [doctor, relays] as const)
    const started = performance.now()
    const direct = await bob.evaluate((address) => window.salus.dial(address), webrtcAddr!)
    expect(direct.addr).toContain('/webrtc')
    expect(direct.limited).toBe(false)
    expect(await bob.evaluate((cid) => window.salus.get(cid, 15_000), first)).toEqual([1, 2, 3, 4])
    console.info(`WebRTC dial + first block browser to browser: ${(performance.now() - started).toFixed(0)} ms (${direct.attempts} dial attempt${direct.attempts === 1 ? '' : 's'})`)
    // The care node never had it: it came from Alice's browser.
    expect(await care.helia.blockstore.has((await import('multiformats/cid')).CID.parse(first))).toBe(false)

    expect(await alice.evaluate(([c, s]) => window.salus.pin(c, [s]), [relays[0]!, second] as const)).toMatchObject({ pinned: 1 })

    // Same account, new page: the same peer id and the blocks are still in IndexedDB.
    await alice.evaluate(() => window.salus.stop())
    await alice.reload()
    await alice.waitForFunction(() => 'salus' in window)
    expect(await alice.evaluate(([a, r]) => window.salus.start(a, 1, r), [patient, relays] as const)).toBe(alicePeer)
    expect(await alice.evaluate((cid) => window.salus.has(cid), second)).toBe(true)
    // Measured with the block exchange: the care node answers this want in ~60 ms (bitswap
    // used to wait out its 10 s send timeout to the departed peer first).
    await alice.evaluate(() => window.salus.stop())
    await alice.context().close()

    const afterLeave = performance.now()
    const fetched = await bob.evaluate((cid) => window.salus.get(cid, 20_000), second)
    console.info(`100 kB block from the care node after the patient left: ${(performance.now() - afterLeave).toFixed(0)} ms`)
    expect(fetched).toHaveLength(100_000)
    expect(fetched[500]).toBe(500 % 251)
  })
})

declare global {
  interface Window {
    salus: {
      start(account: string, seedByte: number, relays: readonly string[]): Promise<string>
      addrs(): string[]
      put(bytes: number[]): Promise<string>
      has(cid: string): Promise<boolean>
      get(cid: string, timeoutMs: number): Promise<number[]>
      dial(address: string): Promise<{ addr: string; limited: boolean; attempts: number }>
      connections(): string[]
      pin(careNode: string, cids: string[]): Promise<{ pinned: number; expires?: number }>
      stop(): Promise<void>
    }
  }
}
