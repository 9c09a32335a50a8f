// Attack: hold a care node's relay bandwidth. A care node relays browsers to each other
// (circuit relay v2) until they have WebRTC. Two peers the attacker controls (one keeps a
// reservation, the other dials it through the relay) can push data through the care node
// for as long, and as much, as the relay's per-connection limits allow; with an hour and
// 4 GiB per relayed connection and 256 circuits per connection, one peer could hold the
// node's uplink for an hour. The attacker opens a relayed connection with real libp2p
// nodes and reads the limits the relay applied to it, then checks the relay really
// closes a relayed connection at its time limit.
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { afterAll, describe, expect, it } from 'vitest'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { createBrowserNode, type SalusNode } from '../../src/p2p/createBrowserNode.ts'

const attackerA = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const attackerB = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

function peer(account: string, fill: number, relays: string[]): Promise<SalusNode> {
  return createBrowserNode({ account, peerKeySeed: new Uint8Array(32).fill(fill), relays, blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
}

async function relayedConnection(care: CareNode, fill: number) {
  const relays = [care.multiaddrs[0]!]
  const holder = await peer(attackerB, fill, relays)
  const dialer = await peer(attackerA, fill + 1, relays)
  const circuit = multiaddr(`${care.multiaddrs[0]}/p2p-circuit/p2p/${holder.libp2p.peerId.toString()}`)
  const connection = await dialer.libp2p.dial(circuit, { signal: AbortSignal.timeout(15_000) })
  return { holder, dialer, connection }
}

describe('attack: hold a care node relay for an hour', () => {
  const stops: Array<() => Promise<unknown>> = []
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {})
  })

  it('a relayed connection through a default care node is limited to minutes and megabytes', async () => {
    const care = await startCareNode({ port: 0 })
    stops.push(() => care.stop())
    const { holder, dialer, connection } = await relayedConnection(care, 31)
    stops.push(() => holder.stop(), () => dialer.stop())
    expect(connection.remoteAddr.toString()).toContain('/p2p-circuit')
    const limits = connection.limits
    console.info(`relayed connection limits: ${limits?.seconds} s, ${limits?.bytes} bytes`)
    expect(limits, 'the relay applied no limits').toBeDefined()
    // libp2p's relay sends its duration limit in milliseconds in the field clients read
    // as seconds (and enforces it in milliseconds): 120_000 here is two minutes.
    expect(limits!.seconds!).toBeLessThanOrEqual(120_000)
    expect(limits!.bytes!).toBeLessThanOrEqual(32n * 1024n * 1024n)
  })

  it('the relay closes a relayed connection when its time limit runs out', async () => {
    const care = await startCareNode({ port: 0, relay: { durationLimitMs: 2_000 } })
    stops.push(() => care.stop())
    const { holder, dialer, connection } = await relayedConnection(care, 41)
    stops.push(() => holder.stop(), () => dialer.stop())
    const started = Date.now()
    while (connection.status === 'open' && Date.now() - started < 8_000) await new Promise((resolve) => setTimeout(resolve, 100))
    console.info(`relayed connection ${connection.status} after ${Date.now() - started} ms`)
    expect(connection.status).not.toBe('open')
  })

  it('the relay closes a relayed connection when its data limit is spent', async () => {
    const care = await startCareNode({ port: 0, relay: { dataLimitBytes: 64n * 1024n } })
    stops.push(() => care.stop())
    const { holder, dialer, connection } = await relayedConnection(care, 51)
    stops.push(() => holder.stop(), () => dialer.stop())
    let received = 0
    await holder.libp2p.handle('/salus-attack/sink/1.0.0', async (stream) => {
      for await (const chunk of stream) received += chunk.byteLength
    }, { runOnLimitedConnection: true })
    const stream = await connection.newStream('/salus-attack/sink/1.0.0', { runOnLimitedConnection: true })
    const chunk = new Uint8Array(8 * 1024)
    let sent = 0
    try {
      for (let i = 0; i < 64 && connection.status === 'open'; i++) {
        if (!stream.send(chunk)) await new Promise((resolve) => setTimeout(resolve, 20))
        sent += chunk.byteLength
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    } catch {
      // the relay cut the stream
    }
    const started = Date.now()
    while (connection.status === 'open' && Date.now() - started < 5_000) await new Promise((resolve) => setTimeout(resolve, 100))
    console.info(`relayed connection ${connection.status} after ${sent} bytes sent, ${received} received`)
    expect(connection.status).not.toBe('open')
    expect(received).toBeLessThanOrEqual(64 * 1024)
  })
})
