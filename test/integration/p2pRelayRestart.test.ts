import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { afterAll, describe, expect, it } from 'vitest'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { createBrowserNode, type SalusNode } from '../../src/p2p/createBrowserNode.ts'

const seed = new Uint8Array(32).fill(42)

async function until(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now()
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return performance.now() - started
}

describe('relay reservations', () => {
  let care: CareNode | undefined
  let node: SalusNode | undefined

  afterAll(async () => {
    await node?.stop()
    await care?.stop()
  })

  it('comes back after the care node restarts, and the vault starts while it is down', async () => {
    care = await startCareNode({ port: 0, peerKeySeed: seed })
    const relay = care.multiaddrs[0]!
    const port = Number(relay.split('/')[4])
    const relayed = () => node!.libp2p.getMultiaddrs().some((a) => a.toString().startsWith(`${relay}/p2p-circuit`))

    node = await createBrowserNode({
      account: '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f',
      peerKeySeed: new Uint8Array(32).fill(1),
      relays: [relay],
      blockstore: new MemoryBlockstore(),
      datastore: new MemoryDatastore(),
    })
    // createBrowserNode returns once a reachable relay granted its reservation.
    expect(relayed()).toBe(true)

    await care.stop()
    care = undefined
    await until(() => !relayed(), 10_000)
    care = await startCareNode({ port, peerKeySeed: seed })
    const took = await until(relayed, 45_000)
    console.info(`reservation back ${took.toFixed(0)} ms after the care node restarted`)

    // A relay that is down does not stop the vault from opening.
    await node.stop()
    await care.stop()
    care = undefined
    const started = performance.now()
    node = await createBrowserNode({
      account: '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f',
      peerKeySeed: new Uint8Array(32).fill(1),
      relays: [relay],
      blockstore: new MemoryBlockstore(),
      datastore: new MemoryDatastore(),
    })
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})
