// Shared by the care-node attack tests: real browser-style libp2p nodes talking to a real care node.
import { randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { blockAccess } from '../../src/core/blocks.ts'
import { buildManifest, type SignedHead } from '../../src/core/consent/scopeManifest.ts'
import { recordSigner } from '../../src/crypto/umbral.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'
import type { CareNode } from '../../src/p2p/careNode.ts'
import { createBrowserNode, type SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { headProtocol } from '../../src/p2p/headProtocol.ts'
import { messageStream } from '../../src/p2p/messages.ts'
import { pinProtocol } from '../../src/p2p/pinProtocol.ts'

export const attackerAccount = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'

export function peer(fill: number, relays: string[]): Promise<SalusNode> {
  return createBrowserNode({ account: attackerAccount, peerKeySeed: new Uint8Array(32).fill(fill), relays, blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
}

/** A random raw block of `size` bytes, kept by `node` (the care node fetches it from there). */
export async function randomBlock(node: SalusNode, size: number): Promise<CID> {
  const bytes = new Uint8Array(randomBytes(size))
  const cid = CID.createV1(raw.code, await sha256.digest(bytes))
  await node.blockstore.put(cid, bytes)
  return cid
}

/** One raw message on a protocol, bypassing the client's own checks; returns the care node's answer. */
export async function rawExchange(from: SalusNode, care: CareNode, protocol: typeof pinProtocol | typeof headProtocol, message: unknown): Promise<Record<string, unknown>> {
  const stream = await from.libp2p.dialProtocol(multiaddr(care.multiaddrs[0]!), protocol, { runOnLimitedConnection: true })
  const messages = messageStream(stream)
  await messages.write(message, { signal: AbortSignal.timeout(10_000) })
  const answer = (await messages.read({ signal: AbortSignal.timeout(30_000) })) as Record<string, unknown>
  await stream.close().catch(() => {})
  return answer
}

/** A correctly author-signed manifest head under a fresh author key (anyone can make one). */
export async function freshHead(node: SalusNode, seq = 1): Promise<SignedHead> {
  const seed = new Uint8Array(randomBytes(32))
  const key = scopeSecretKey(seed, 'labs', 0)
  const built = await buildManifest(blockAccess({ blockstore: node.blockstore }), {
    scope: 'labs',
    epoch: 0,
    seq,
    entries: [],
    scopePublicKey: key.publicKey(),
    author: recordSigner(seed),
  })
  return built.head
}
