// Attack: a curious care node reads the mailbox entries it keeps (its own datastore) and
// tries to learn whose they are or what they say. Items for two grants of one patient
// (to two doctors) sit on it, posted while the patient is offline. It must find no
// account, peer id, grant, scope key, record signer or word of the record in them; the
// two addresses share nothing; and with its own proxy key (it is also a re-encryption
// proxy of these grants) it opens neither the entries nor the patient's contact.
// Run against one mailbox per patient (the record signer's key as address): the care node
// saw one address for both grants, and it was the patient's record signer.
import { bytesToHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { openMessage } from '../../src/core/careLoop/sealedMessage.ts'
import { maxWriteBackBytes } from '../../src/core/careLoop/writeBack.ts'
import { openGrantContact, openKeyFragmentBundle } from '../../src/core/consent/keyFragmentBundle.ts'
import { buildVisitNote } from '../../src/core/fhir/doctorForms.ts'
import { writeBackResourceBytes } from '../../src/core/careLoop/writeBack.ts'
import { recordSigner } from '../../src/crypto/umbral.ts'
import { blockAccess } from '../../src/core/blocks.ts'
import { pinIdentity } from '../../src/crypto/pinIdentity.ts'
import { postToMailbox } from '../../src/p2p/mailboxClient.ts'
import { careLoopScene, craftItem, delegatingKeyOf, doctorAuthor, doctorSide, type CareLoopScene, type DoctorSide } from './support/careLoop.ts'
import type { KeyFragmentBundle } from '../../src/core/consent/keyFragmentBundle.ts'

let scene: CareLoopScene
let second: { doctor: DoctorSide; grantId: bigint; bundle: KeyFragmentBundle; bundleBytes: Uint8Array }
const secretText = 'Diagnosed with early-onset dementia; keep from employer.'

beforeAll(async () => {
  scene = await careLoopScene(['notes'])
  const doctor = await doctorSide(scene.stack, 3)
  const granted = await scene.patient.grant({ grantee: doctor.account, receivingKey: doctor.receivingKey.publicKey(), scopes: ['notes'], days: 30 })
  second = { doctor, grantId: granted.grantId, bundle: granted.bundleFor(doctor.receivingKey), bundleBytes: await blockAccess({ blockstore: scene.patient.node.blockstore }).get(granted.bundleCid) }
  for (const [author, grantId, bundle, index] of [[scene.doctor, scene.grant.grantId, scene.grant.bundle, 2], [doctor, granted.grantId, second.bundle, 3]] as const) {
    const note = buildVisitNote({ author: doctorAuthor(index), visitDate: '2026-12-01', title: 'Memory clinic', text: secretText })
    const { item } = await craftItem({ resourceBytes: writeBackResourceBytes(note), signerKey: anvilAccount(index).privateKey, author: author.account, grantId, scope: 'notes', ...delegatingKeyOf(bundle, 'notes'), deployment: { chainId: scene.stack.chainId, consent: scene.stack.consent } })
    await postToMailbox(author.node, scene.careNodes, { to: openGrantContact(bundle, author.receivingKey)!.mailbox, payload: item })
  }
}, 300_000)
afterAll(async () => scene?.stop())

describe('a care node reading its mailboxes', () => {
  it('finds nothing of the patient in the entries, and two grants’ mailboxes share nothing', async () => {
    const care = scene.stack.cares[0]!
    const stored: { key: string; value: Uint8Array }[] = []
    for await (const { key, value } of care.helia.datastore.query({ prefix: '/salus/mailbox-' })) stored.push({ key: key.toString(), value })
    const addresses = new Set(stored.map((s) => s.key.split('/')[3]))
    expect(addresses.size).toBe(2)
    const haystack = stored.map((s) => `${s.key} ${bytesToHex(s.value)} ${new TextDecoder('utf-8', { fatal: false }).decode(s.value)}`).join('\n').toLowerCase()
    const seed = scene.patient.keys.preMasterSeed
    const needles: Record<string, string> = {
      'patient account': anvilAccount(8).account.address.slice(2).toLowerCase(),
      'patient peer id': scene.patient.node.libp2p.peerId.toString().toLowerCase(),
      'patient peer key': bytesToHex(scene.patient.node.libp2p.peerId.publicKey!.raw).slice(2),
      'record signer': bytesToHex(recordSigner(seed).verifyingKey.toCompressedBytes()).slice(2),
      'pinning identity on this node': bytesToHex(pinIdentity(seed, care.peerId).publicKey).slice(2),
      'notes delegating key': bytesToHex(delegatingKeyOf(scene.grant.bundle, 'notes').delegatingKey).slice(2),
      'doctor 2': anvilAccount(2).account.address.slice(2).toLowerCase(),
      'doctor 3': anvilAccount(3).account.address.slice(2).toLowerCase(),
      'record text': 'dementia',
      'grant id as text': `"${scene.grant.grantId}"`,
    }
    for (const [what, needle] of Object.entries(needles)) expect(haystack.includes(needle), what).toBe(false)
  })

  it('as a proxy of both grants it opens neither the entries nor the patient’s contact', async () => {
    const care = scene.stack.cares[0]!
    const proxyKey = scene.stack.proxies[0]!.secretKey
    for await (const { key, value } of care.helia.datastore.query({ prefix: '/salus/mailbox-data/' })) {
      void key
      for (const domain of ['salus.write-back.v1', 'salus.write-back-answer.v1']) expect(openMessage(value, proxyKey, domain, maxWriteBackBytes)).toBeUndefined()
    }
    const asProxy = openKeyFragmentBundle(second.bundleBytes, proxyKey)
    expect(asProxy.contact).toBeDefined()
    expect(() => openGrantContact(asProxy, proxyKey)).toThrow(/not sealed to this receiving key/)
  })
})
