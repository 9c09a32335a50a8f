import * as dagCbor from '@ipld/dag-cbor'
import * as umbral from '@nucypher/umbral-pre'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { MalformedWriteBackError, WriteBackRefusedError } from '../../src/core/careLoop/careLoopErrors.ts'
import { grantMailboxKey, mailboxAddress } from '../../src/core/careLoop/mailboxKeys.ts'
import {
  checkWriteBackGrant, maxWriteBackBytes, openWriteBack, openWriteBackAnswer, prepareWriteBack, sealWriteBack, sealWriteBackAnswer, toInboxItem,
} from '../../src/core/careLoop/writeBack.ts'
import { buildKeyFragmentBundle, keyFragmentBundleWire, openGrantContact, openKeyFragmentBundle, sealKeyFragmentBundle } from '../../src/core/consent/keyFragmentBundle.ts'
import { MalformedBundleError } from '../../src/core/consent/consentErrors.ts'
import { buildDiagnosis, buildVisitNote } from '../../src/core/fhir/doctorForms.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'
import { recordSigner } from '../../src/crypto/umbral.ts'

const seed = new Uint8Array(32).fill(5)
// anvil account 2 (a demo doctor) and 3
const doctorAccount = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const otherAccount = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6')
const deployment = { chainId: 31337, consent: '0xc0115e1700000000000000000000000000000001' as const }
const doctorReceiving = umbral.SecretKey.random()
const proxy = umbral.SecretKey.random()
const author = { account: doctorAccount.address, name: 'Dr. Maria Rossi' }
const now = Math.floor(Date.now() / 1000)

const delegating = (scope: 'conditions' | 'notes', epoch = 0) => scopeSecretKey(seed, scope, epoch)
const candidates = [
  { scope: 'conditions' as const, epoch: 0, secretKey: delegating('conditions') },
  { scope: 'notes' as const, epoch: 0, secretKey: delegating('notes') },
]

async function signedItem(o: { signer?: typeof doctorAccount; resource?: ReturnType<typeof buildDiagnosis>; scope?: 'conditions' | 'notes'; grantId?: bigint; sealScope?: 'conditions' | 'notes' } = {}) {
  const resource = o.resource ?? buildDiagnosis({ author, visitDate: '2026-12-01', name: 'Asthma' })
  const scope = o.scope ?? 'conditions'
  const prepared = prepareWriteBack(resource, doctorAccount.address, { grantId: o.grantId ?? 7n, scope, signedAt: now, ...deployment })
  const signature = await (o.signer ?? doctorAccount).signTypedData(prepared.typedData)
  const key = delegating(o.sealScope ?? scope).publicKey().toCompressedBytes()
  return { prepared, sealed: sealWriteBack({ prepared, author: doctorAccount.address, signature, delegatingKey: key, epoch: 0 }) }
}

describe('write-back items', () => {
  it('the patient opens a signed item with the scope key; its id is the signed digest', async () => {
    const { prepared, sealed } = await signedItem()
    const opened = await openWriteBack(sealed, { candidates, ...deployment })
    expect(opened.id).toBe(prepared.id)
    expect(opened.from).toBe(doctorAccount.address.toLowerCase())
    expect(opened.scope).toBe('conditions')
    expect(opened.grantId).toBe(7n)
    expect(opened.resource).toEqual(prepared.resource)
    expect(toInboxItem(opened, 5).receivedAt).toBe(5)
    // Someone without the scope's secret key (a care node, another patient) opens nothing.
    await expect(openWriteBack(sealed, { candidates: [{ scope: 'conditions', epoch: 0, secretKey: umbral.SecretKey.random() }], ...deployment })).rejects.toBeInstanceOf(MalformedWriteBackError)
    // Only size and ciphertext are outside.
    expect(Object.keys(dagCbor.decode(sealed) as object).sort()).toEqual(['body', 'capsule', 'key', 'v'])
  })

  it('refuses a forged signature, a wrong deployment, a wrong scope, bad FHIR and oversize', async () => {
    const forged = await signedItem({ signer: otherAccount })
    await expect(openWriteBack(forged.sealed, { candidates, ...deployment })).rejects.toMatchObject({ name: 'WriteBackRefusedError', reason: 'bad-signature' })
    const { sealed } = await signedItem()
    await expect(openWriteBack(sealed, { candidates, chainId: 1, consent: deployment.consent })).rejects.toMatchObject({ reason: 'wrong-deployment' })
    // Sealed to the notes key while naming conditions: the key's scope decides.
    const mismatched = await signedItem({ sealScope: 'notes' })
    await expect(openWriteBack(mismatched.sealed, { candidates, ...deployment })).rejects.toThrow(/sealed to notes\/0 but names conditions\/0/)
    // A note is not a condition.
    expect(() => prepareWriteBack(buildVisitNote({ author, visitDate: '2026-12-01', title: 't', text: 'x' }), doctorAccount.address, { grantId: 7n, scope: 'conditions', signedAt: now, ...deployment })).toThrow(/belongs to scope notes/)
    // Malformed FHIR inside a well-signed, well-sealed item.
    const bad = { ...buildDiagnosis({ author, visitDate: '2026-12-01', name: 'x' }), clinicalStatus: 'active' }
    const key = delegating('conditions').publicKey().toCompressedBytes()
    const resourceBytes = new TextEncoder().encode(JSON.stringify(bad))
    const { keccak256, hashTypedData } = await import('viem')
    const { writeBackTypedData } = await import('../../src/core/careLoop/writeBack.ts')
    const terms = { grantId: 7n, scope: 'conditions' as const, signedAt: now, ...deployment }
    const typedData = writeBackTypedData(keccak256(resourceBytes), terms)
    const prepared = { resource: bad, resourceBytes, resourceHash: keccak256(resourceBytes), terms, typedData, id: hashTypedData(typedData) }
    const badSealed = sealWriteBack({ prepared, author: doctorAccount.address, signature: await doctorAccount.signTypedData(typedData), delegatingKey: key, epoch: 0 })
    await expect(openWriteBack(badSealed, { candidates, ...deployment })).rejects.toThrow(MalformedWriteBackError)
    await expect(openWriteBack(new Uint8Array(maxWriteBackBytes + 1), { candidates, ...deployment })).rejects.toThrow(/exceed/)
    await expect(openWriteBack(dagCbor.encode({ v: 1, capsule: new Uint8Array(98), key: new Uint8Array(72), body: new Uint8Array(60), extra: 1 }), { candidates, ...deployment })).rejects.toThrow(/unexpected field/)
  })

  it('checks the grant and the directory: grantee, revoked, expired, scope, certified', () => {
    const item = { from: doctorAccount.address, scope: 'conditions' as const, grantId: 7n }
    const grant = { grantee: doctorAccount.address, scopesMask: 1 << 3, revoked: false, expiry: now + 100 }
    expect(() => checkWriteBackGrant(item, grant, { isDoctor: true, now })).not.toThrow()
    const reasons = [
      [undefined, true],
      [{ ...grant, grantee: otherAccount.address }, true],
      [{ ...grant, revoked: true }, true],
      [{ ...grant, expiry: now - 1 }, true],
      [{ ...grant, scopesMask: 1 << 8 }, true],
      [grant, false],
    ] as const
    expect(reasons.map(([g, isDoctor]) => {
      try {
        checkWriteBackGrant(item, g, { isDoctor, now })
        return 'accepted'
      } catch (error) {
        expect(error).toBeInstanceOf(WriteBackRefusedError)
        return (error as WriteBackRefusedError).reason
      }
    })).toEqual(['unknown-grant', 'not-grantee', 'revoked', 'expired', 'scope-not-granted', 'not-doctor'])
  })

  it('answers reach the doctor signed by the patient’s mailbox key of the grant', async () => {
    const mailboxKey = grantMailboxKey(seed, { ...deployment, grantee: doctorAccount.address, grantIndex: 0 })
    const { prepared } = await signedItem()
    const sealed = sealWriteBackAnswer({ grantId: 7n, statuses: [{ itemId: prepared.id, status: 'declined', reason: 'Not my diagnosis' }], at: now }, { doctorKey: doctorReceiving.publicKey().toCompressedBytes(), mailboxKey })
    const answer = openWriteBackAnswer(sealed, doctorReceiving)!
    expect(answer.statuses).toEqual([{ itemId: prepared.id, status: 'declined', reason: 'Not my diagnosis' }])
    expect(answer.from).toEqual(mailboxAddress(mailboxKey))
    expect(openWriteBackAnswer(sealed, umbral.SecretKey.random())).toBeUndefined()
    // Another grant (or patient) has another mailbox key.
    expect(mailboxAddress(grantMailboxKey(seed, { ...deployment, grantee: doctorAccount.address, grantIndex: 1 }))).not.toEqual(answer.from)
  })

  it('the bundle carries the patient’s contact sealed to the grantee only; older bundles still open', async () => {
    const mailbox = mailboxAddress(grantMailboxKey(seed, { ...deployment, grantee: doctorAccount.address, grantIndex: 0 }))
    const base = {
      preMasterSeed: seed, author: recordSigner(seed).verifyingKey, grantee: doctorAccount.address, receivingPublicKey: doctorReceiving.publicKey(),
      scopes: ['conditions' as const], epochs: { conditions: 0 }, proxies: [{ address: '0x1111111111111111111111111111111111111111' as const, umbralPublicKey: proxy.publicKey() }],
      threshold: 1, salt: new Uint8Array(32).fill(9), binding: { ...deployment, pseudonym: 42n, expiry: 2_000_000_000 },
    }
    const peerId = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
    const withContact = await buildKeyFragmentBundle({ ...base, contact: { mailbox, peerId } })
    expect(openGrantContact(openKeyFragmentBundle(withContact.bytes, doctorReceiving), doctorReceiving)).toEqual({ mailbox, peerId })
    // The proxy opens the bundle but not the contact.
    const seenByProxy = openKeyFragmentBundle(withContact.bytes, proxy)
    expect(() => openGrantContact(seenByProxy, proxy)).toThrow(MalformedBundleError)
    const old = await buildKeyFragmentBundle(base)
    const opened = openKeyFragmentBundle(old.bytes, doctorReceiving)
    expect(opened.contact).toBeUndefined()
    expect(openGrantContact(opened, doctorReceiving)).toBeUndefined()
    // The contact is signed with the rest: swapping in another sealed contact breaks the bundle.
    const other = await buildKeyFragmentBundle({ ...base, contact: { mailbox: mailboxAddress(umbral.SecretKey.random()) } })
    const tampered = { ...keyFragmentBundleWire(openKeyFragmentBundle(withContact.bytes, doctorReceiving)), contact: openKeyFragmentBundle(other.bytes, doctorReceiving).contact }
    expect(() => openKeyFragmentBundle(sealKeyFragmentBundle(tampered, [proxy.publicKey(), doctorReceiving.publicKey()]), doctorReceiving)).toThrow(/signature/)
    await expect(buildKeyFragmentBundle({ ...base, contact: { mailbox, peerId: 'not a peer id' } })).rejects.toThrow(/contact.peerId/)
  })
})
