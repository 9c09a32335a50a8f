import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPublicClient, http } from 'viem'
import { listProviders } from '../../src/chain/listProviders.ts'
import { parseNetworkConfig } from '../../src/chain/networkConfig.ts'
import { createBrowserNode } from '../../src/p2p/createBrowserNode.ts'
import { requestPin } from '../../src/p2p/requestPin.ts'
import { freePort } from '../../src/chain/deploy/freePort.ts'
import { startLocalNetwork, type LocalNetwork } from '../../src/chain/deploy/localNetwork.ts'

/**
 * Running processes in any of these process groups. Zombies are left out: an
 * orphaned grandchild (tsx's esbuild service) is reparented to PID 1, which on this
 * machine does not reap; it runs nothing and holds no port.
 */
function survivors(groups: number[]): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' })
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, pgid, stat]) => pid && groups.includes(Number(pgid)) && !stat?.startsWith('Z'))
    .map((fields) => fields.join(' '))
}

describe('startLocalNetwork', () => {
  let network: LocalNetwork
  let dir: string
  const lines: string[] = []

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'salus-localnet-'))
    const started = performance.now()
    network = await startLocalNetwork({
      chainPort: await freePort(),
      carePorts: [await freePort(), await freePort(), await freePort()],
      withApp: false,
      configPath: path.join(dir, 'salus.config.json'),
      log: (line) => lines.push(line),
    })
    console.info(`local network (anvil, deploy + seed, 3 care nodes) up in ${(performance.now() - started).toFixed(0)} ms`)
  })

  afterAll(async () => {
    await network?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('deploys the contracts, starts three care nodes and writes a valid config', async () => {
    const { config } = network
    expect(config.chainId).toBe(31337)
    expect(config.contracts.Registry.address).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(config.contracts.Anchors.address).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(config.careNodes).toHaveLength(3)
    expect(new Set(config.careNodes.map((node) => node.peerId)).size).toBe(3)
    for (const node of config.careNodes) {
      expect(node.multiaddrs[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/ws/p2p/${node.peerId}$`))
      // Each also serves SMART Health Link files over HTTP (on a free port here).
      expect(node.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect((await fetch(`${node.httpUrl}/shl/${'A'.repeat(43)}?recipient=test`)).status).toBe(404)
    }
    expect(config.relays).toEqual(config.careNodes.flatMap((node) => node.multiaddrs))
    expect(network.accounts.map((account) => account.role)).toContain('patient')
    const written = parseNetworkConfig(JSON.parse(readFileSync(network.urls.config, 'utf8')))
    expect(written).toEqual(config)
    expect(network.pids).toHaveLength(4)
  })

  it('lists every care node in the Registry as a proxy with its peer id and Umbral key', async () => {
    const client = createPublicClient({ transport: http(network.urls.rpc) })
    const listed = await listProviders(client, { registry: network.config.contracts.Registry.address, role: 'careNode' })
    expect(listed.map((entry) => entry.peerId).sort()).toEqual(network.config.careNodes.map((node) => node.peerId).sort())
    for (const entry of listed) {
      expect(entry.umbralPublicKey).toMatch(/^0x0[23][0-9a-f]{64}$/)
      expect(entry.multiaddrs).toEqual(network.config.careNodes.find((node) => node.peerId === entry.peerId)!.multiaddrs)
    }
  })

  it('runs care nodes that are separate peers and pin for a browser node', async () => {
    const node = await createBrowserNode({
      account: network.accounts[8]!.address,
      peerKeySeed: new Uint8Array(32).fill(5),
      relays: network.config.relays,
      blockstore: new MemoryBlockstore(),
      datastore: new MemoryDatastore(),
    })
    try {
      const bytes = new TextEncoder().encode('ciphertext stand-in')
      const cid = CID.createV1(raw.code, await sha256.digest(bytes))
      await node.blockstore.put(cid, bytes)
      for (const care of network.config.careNodes) {
        expect(await requestPin(node, { careNode: care.multiaddrs[0]!, cids: [cid], timeoutMs: 20_000, identitySeed: new Uint8Array(32).fill(6) })).toMatchObject({ pinned: 1 })
      }
    } finally {
      await node.stop()
    }
  })

  it('names the port in use and the variable to change', async () => {
    const blocker: Server = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
    try {
      await expect(startLocalNetwork({ chainPort: port, withApp: false })).rejects.toMatchObject({
        name: 'PortInUseError',
        shortMessage: `Port ${port} is in use: stop what uses it or set SALUS_CHAIN_PORT`,
      })
      await expect(
        startLocalNetwork({ chainPort: await freePort(), carePorts: [port], withApp: false }),
      ).rejects.toThrow(`Port ${port} is in use: stop what uses it or set SALUS_CARE_PORTS`)
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })

  it('stop() leaves no child process behind', async () => {
    const groups = network.pids
    const before = survivors(groups)
    expect(before.length, before.join('\n')).toBeGreaterThanOrEqual(4)
    await network.stop()
    expect(survivors(groups)).toEqual([])
  })
})
