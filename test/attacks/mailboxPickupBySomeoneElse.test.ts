// Attack: someone takes (or deletes) what waits in a patient's mailbox. The address is
// public to whoever holds the grant's bundle (the doctor) and to the care nodes; the
// attacker signs a take for it with their own key, replays a take the patient signed
// (captured, or sent by a care node to another care node), and signs an ack to delete.
// Each gets nothing and deletes nothing; the patient still collects the item.
// Written first with a take that checked only the shape: the stranger got the entry.
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SecretKey, Signer, signBytes } from '../../src/crypto/umbral.ts'
import { grantMailboxKey } from '../../src/core/careLoop/mailboxKeys.ts'
import { buildVisitNote } from '../../src/core/fhir/doctorForms.ts'
import { writeBackResourceBytes } from '../../src/core/careLoop/writeBack.ts'
import { openGrantContact } from '../../src/core/consent/keyFragmentBundle.ts'
import { postToMailbox } from '../../src/p2p/mailboxClient.ts'
import { mailboxAuthMessage, mailboxProtocol, maxMailboxMessageBytes, newMailboxNonce } from '../../src/p2p/mailboxProtocol.ts'
import { messageStream } from '../../src/p2p/messages.ts'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { careLoopScene, craftItem, delegatingKeyOf, doctorAuthor, type CareLoopScene } from './support/careLoop.ts'

let scene: CareLoopScene
let entryId: string

beforeAll(async () => {
  scene = await careLoopScene(['notes'])
  const note = buildVisitNote({ author: doctorAuthor(2), visitDate: '2026-12-01', title: 'Results', text: 'Your results are normal.' })
  const { item } = await craftItem({ resourceBytes: writeBackResourceBytes(note), signerKey: scene.doctor.privateKey, author: scene.doctor.account, grantId: scene.grant.grantId, scope: 'notes', ...delegatingKeyOf(scene.grant.bundle, 'notes'), deployment: { chainId: scene.stack.chainId, consent: scene.stack.consent } })
  const contact = openGrantContact(scene.grant.bundle, scene.doctor.receivingKey)!
  entryId = (await postToMailbox(scene.doctor.node, scene.careNodes, { to: contact.mailbox, payload: item })).id
}, 300_000)
afterAll(async () => scene?.stop())

/** One raw request to a care node, as an attacker's own client would send it. */
async function raw(careNode: string, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  const stream = await scene.doctor.node.libp2p.dialProtocol(multiaddr(careNode), mailboxProtocol)
  const messages = messageStream(stream, { maxBytes: maxMailboxMessageBytes })
  await messages.write(request)
  return (await messages.read({ signal: AbortSignal.timeout(20_000) })) as Record<string, unknown>
}

function signedBy(key: SecretKey, fields: Record<string, unknown>): Record<string, unknown> {
  const signer = new Signer(key)
  const unsigned = { v: 1, at: Math.floor(Date.now() / 1000), nonce: newMailboxNonce(), ...fields } as Parameters<typeof mailboxAuthMessage>[0]
  return { ...unsigned, sig: signBytes(signer, mailboxAuthMessage(unsigned)) }
}

describe('mailbox pickup by someone else', () => {
  it('a take or ack for the patient’s address signed by another key gets nothing', async () => {
    const contact = openGrantContact(scene.grant.bundle, scene.doctor.receivingKey)!
    const mallory = SecretKey.random()
    for (const [i, care] of scene.stack.cares.entries()) {
      const take = await raw(scene.careNodes[i]!, signedBy(mallory, { op: 'take', address: contact.mailbox, node: care.peerId }))
      expect(take).toMatchObject({ ok: false, code: 'unauthorized', message: expect.stringMatching(/not signed by the mailbox address’s key/) })
      const ack = await raw(scene.careNodes[i]!, signedBy(mallory, { op: 'ack', address: contact.mailbox, node: care.peerId, ids: [entryId] }))
      expect(ack).toMatchObject({ ok: false, code: 'unauthorized' })
    }
  })

  it('the patient’s own signed take cannot be replayed, nor used at another care node', async () => {
    const key = grantMailboxKey(scene.patient.keys.preMasterSeed, { chainId: scene.stack.chainId, consent: scene.stack.consent, grantee: scene.doctor.account, grantIndex: 0 })
    const address = key.publicKey().toCompressedBytes()
    const [first, second] = scene.stack.cares
    const take = signedBy(key, { op: 'take', address, node: first!.peerId })
    // Sent once by the patient: it works.
    expect(await raw(scene.careNodes[0]!, take)).toMatchObject({ ok: true, entries: [expect.objectContaining({ id: entryId })] })
    // Replayed by someone who saw it: refused.
    expect(await raw(scene.careNodes[0]!, take)).toMatchObject({ ok: false, code: 'unauthorized', message: expect.stringMatching(/already answered/) })
    // Taken to another care node (the first one forwarding it): refused.
    expect(await raw(scene.careNodes[1]!, take)).toMatchObject({ ok: false, code: 'unauthorized', message: expect.stringMatching(/another care node/) })
    void second
  })

  it('the entry is still there for the patient, who collects it', async () => {
    const collected = await scene.inbox.collect(scene.patient.node)
    expect(collected).toHaveLength(1)
    expect(collected[0]!.from).toBe(anvilAccount(2).account.address.toLowerCase())
  })
})
