import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SecretKey } from '../../src/crypto/umbral.ts'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { createBrowserNode, type SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { ackMailboxEntries, postToMailbox, takeFromMailbox } from '../../src/p2p/mailboxClient.ts'
import { MailboxError, maxMailboxPayloadBytes } from '../../src/p2p/mailboxProtocol.ts'

// The care-node mailbox over real libp2p: put by anyone, take and ack only by the
// address's key, kept on disk across a restart, with size and quota limits.
describe('/salus/mailbox/1.0.0', () => {
  let dir: string
  let care: CareNode | undefined
  const nodes: SalusNode[] = []
  const seed = new Uint8Array(32).fill(77)
  const owner = SecretKey.random()
  const address = owner.publicKey().toCompressedBytes()
  const node = async (fill: number) => {
    const made = await createBrowserNode({ account: '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f', peerKeySeed: new Uint8Array(32).fill(fill), relays: [care!.multiaddrs[0]!], blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
    nodes.push(made)
    return made
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'salus-mailbox-'))
    care = await startCareNode({ port: 0, peerKeySeed: seed, storageDir: dir, mailbox: { quota: { entriesPerAddress: 3 } } })
  })

  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()))
    await care?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps a sealed entry for its owner only, across a restart, until acked', async () => {
    const sender = await node(1)
    const payload = new TextEncoder().encode('sealed bytes the node cannot read')
    const posted = await postToMailbox(sender, [care!.multiaddrs[0]!], { to: address, payload, ttlSeconds: 3600 })
    expect(posted.storedOn).toEqual([care!.peerId])
    // The same payload again is the same entry.
    expect((await postToMailbox(sender, [care!.multiaddrs[0]!], { to: address, payload })).id).toBe(posted.id)

    // Someone else signing a take for this address with their own key gets nothing.
    const stranger = await node(2)
    const intruder = SecretKey.random()
    expect(await takeFromMailbox(stranger, [care!.multiaddrs[0]!], { secretKey: intruder })).toEqual([])

    // The care node restarts on its own directory: the entry is still there.
    const port = Number(care!.multiaddrs[0]!.split('/')[4])
    await care!.stop()
    care = await startCareNode({ port, peerKeySeed: seed, storageDir: dir, mailbox: { quota: { entriesPerAddress: 3 } } })
    const ownerNode = await node(3)
    const taken = await takeFromMailbox(ownerNode, [care.multiaddrs[0]!], { secretKey: owner })
    expect(taken.map((e) => [e.id, new TextDecoder().decode(e.payload)])).toEqual([[posted.id, 'sealed bytes the node cannot read']])
    expect(taken[0]!.careNodes).toEqual([care.peerId])

    // An ack signed by another key deletes nothing; the owner's ack deletes it.
    expect(await ackMailboxEntries(stranger, [care.multiaddrs[0]!], { secretKey: intruder, ids: [posted.id] })).toEqual({ deleted: 0 })
    expect(await takeFromMailbox(ownerNode, [care.multiaddrs[0]!], { secretKey: owner })).toHaveLength(1)
    expect(await ackMailboxEntries(ownerNode, [care.multiaddrs[0]!], { secretKey: owner, ids: [posted.id] })).toEqual({ deleted: 1 })
    expect(await takeFromMailbox(ownerNode, [care.multiaddrs[0]!], { secretKey: owner })).toEqual([])
  })

  it('refuses an oversized payload, a full mailbox and a forged take, with clear errors', async () => {
    const sender = await node(4)
    const to = SecretKey.random()
    const toAddress = to.publicKey().toCompressedBytes()
    await expect(postToMailbox(sender, [care!.multiaddrs[0]!], { to: toAddress, payload: new Uint8Array(maxMailboxPayloadBytes + 1) })).rejects.toMatchObject({ name: 'MailboxError', code: 'too-large' })
    for (let i = 0; i < 3; i++) await postToMailbox(sender, [care!.multiaddrs[0]!], { to: toAddress, payload: new Uint8Array([i + 1]) })
    const full = await postToMailbox(sender, [care!.multiaddrs[0]!], { to: toAddress, payload: new Uint8Array([9]) }).catch((e: unknown) => e)
    expect(full).toBeInstanceOf(MailboxError)
    expect((full as MailboxError).code).toBe('quota-exceeded')
    expect((full as MailboxError).shortMessage).toMatch(/mailbox .* is full/)
    // Large payloads travel whole (the protocol's own message limit).
    const big = SecretKey.random()
    const bigPayload = crypto.getRandomValues(new Uint8Array(65_536)).slice()
    const large = new Uint8Array(maxMailboxPayloadBytes)
    for (let i = 0; i < large.length; i += bigPayload.length) large.set(bigPayload.subarray(0, Math.min(bigPayload.length, large.length - i)), i)
    await postToMailbox(sender, [care!.multiaddrs[0]!], { to: big.publicKey().toCompressedBytes(), payload: large })
    const [entry] = await takeFromMailbox(sender, [care!.multiaddrs[0]!], { secretKey: big })
    expect(entry!.payload).toEqual(large)
  })
})
