// Attack: a doctor (or anyone who knows the patient's peer or mailbox) floods the patient
// with huge items: a write-back message beyond the deliver limit straight to the patient's
// browser, and a payload beyond the mailbox limit to the care nodes. Both are refused
// before they are read whole; nothing reaches the inbox. The doctor's own form refuses a
// report file above 750 KiB (test/unit/doctorForms.test.ts).
// Run against limits of 8 MiB: the patient's browser read the whole message and the care
// nodes stored the payload.
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { maxWriteBackBytes } from '../../src/core/careLoop/writeBack.ts'
import { openGrantContact } from '../../src/core/consent/keyFragmentBundle.ts'
import { deliverProtocol, maxDeliverMessageBytes } from '../../src/p2p/deliverProtocol.ts'
import { postToMailbox } from '../../src/p2p/mailboxClient.ts'
import { maxMailboxPayloadBytes } from '../../src/p2p/mailboxProtocol.ts'
import { messageStream } from '../../src/p2p/messages.ts'
import { careLoopScene, type CareLoopScene } from './support/careLoop.ts'

let scene: CareLoopScene

beforeAll(async () => {
  scene = await careLoopScene(['notes'])
}, 300_000)
afterAll(async () => scene?.stop())

describe('oversized write-backs', () => {
  it('the patient’s browser refuses a message beyond the limit without reading it', async () => {
    const contact = openGrantContact(scene.grant.bundle, scene.doctor.receivingKey)!
    const stream = await scene.doctor.node.libp2p.dialProtocol(scene.careNodes.map((care) => multiaddr(`${care}/p2p-circuit/p2p/${contact.peerId}`)), deliverProtocol, { runOnLimitedConnection: true })
    // The attacker's own stream allows anything; the patient's allows maxDeliverMessageBytes.
    const messages = messageStream(stream, { maxBytes: 8 * 1024 * 1024 })
    void messages.write({ v: 1, kind: 'write-back', item: new Uint8Array(maxDeliverMessageBytes + 1024) }).catch(() => {})
    const answer = await messages.read({ signal: AbortSignal.timeout(20_000) }).catch((error: Error) => ({ closed: error.name }))
    expect(answer).toMatchObject({ ok: false, code: 'too-large' })
    expect(maxWriteBackBytes).toBeLessThan(maxDeliverMessageBytes)
    expect(scene.inbox.items).toEqual([])
  })

  it('the care nodes refuse a mailbox payload beyond the limit; the patient finds nothing', async () => {
    const contact = openGrantContact(scene.grant.bundle, scene.doctor.receivingKey)!
    await expect(postToMailbox(scene.doctor.node, scene.careNodes, { to: contact.mailbox, payload: new Uint8Array(maxMailboxPayloadBytes + 1) })).rejects.toMatchObject({
      name: 'MailboxError',
      code: 'too-large',
      shortMessage: expect.stringMatching(/too large for a care node’s mailbox/),
    })
    // Past the client's own check: a raw request to a care node is refused there.
    const { mailboxProtocol, maxMailboxMessageBytes } = await import('../../src/p2p/mailboxProtocol.ts')
    const stream = await scene.doctor.node.libp2p.dialProtocol(multiaddr(scene.careNodes[0]!), mailboxProtocol)
    const messages = messageStream(stream, { maxBytes: 8 * 1024 * 1024 })
    void messages.write({ v: 1, op: 'put', to: contact.mailbox, payload: new Uint8Array(maxMailboxMessageBytes), ttl: 60 }).catch(() => {})
    expect(await messages.read({ signal: AbortSignal.timeout(20_000) })).toMatchObject({ ok: false, code: 'too-large' })
    expect(await scene.inbox.collect(scene.patient.node)).toEqual([])
    expect(scene.inbox.items).toEqual([])
  })
})
