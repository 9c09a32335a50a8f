// The care loop's delivery over real libp2p, care nodes and anvil (issue 10): a certified
// doctor writes back under a real grant; with the patient online the item arrives straight
// in the patient's inbox, with the patient offline it waits sealed in the patient's
// mailbox for the grant on the care nodes, and the patient collects it when back online.
// Answers (delivered, accepted, declined with a reason) reach the doctor's mailbox.
import { bytesToHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { openGrantContact } from '../../src/core/consent/keyFragmentBundle.ts'
import { buildDiagnosticReport, buildPrescription, buildVisitNote } from '../../src/core/fhir/doctorForms.ts'
import { answerWriteBack } from '../../src/flows/careLoop/answerWriteBack.ts'
import { collectAnswers } from '../../src/flows/careLoop/collectAnswers.ts'
import { takeFromMailbox } from '../../src/p2p/mailboxClient.ts'
import { grantMailboxKey } from '../../src/core/careLoop/mailboxKeys.ts'
import { startConsentStack, type ConsentStack } from '../attacks/support/consentStack.ts'
import { patientGrants, type PatientSide } from '../attacks/support/patientSide.ts'
import { doctorAuthor, doctorSide, patientInbox, type DoctorSide, type PatientInbox } from '../attacks/support/careLoop.ts'
import type { KeyFragmentBundle } from '../../src/core/consent/keyFragmentBundle.ts'
import type { InboxItem } from '../../src/core/careLoop/writeBack.ts'
import { receiveWriteBack } from '../../src/flows/careLoop/receiveWriteBack.ts'
import { DeliveryRouter } from '../../src/ui/state/deliveryRouter.ts'

const aliceKey = anvilAccount(8).privateKey
let stack: ConsentStack
let patient: PatientSide
let doctor: DoctorSide
let inbox: PatientInbox
let grant: { grantId: bigint; bundle: KeyFragmentBundle }

beforeAll(async () => {
  stack = await startConsentStack()
  patient = await patientGrants(stack, aliceKey, 8)
  doctor = await doctorSide(stack, 2)
  const granted = await patient.grant({ grantee: doctor.account, receivingKey: doctor.receivingKey.publicKey(), scopes: ['notes', 'labs', 'prescriptions'], days: 30 })
  grant = { grantId: granted.grantId, bundle: granted.bundleFor(doctor.receivingKey) }
  inbox = patientInbox(stack, patient, aliceKey)
}, 300_000)

afterAll(async () => {
  await stack?.stop()
})

const visit = { author: doctorAuthor(2), visitDate: '2026-12-01' }
const pdf = new Uint8Array(200_000)
for (let i = 0; i < pdf.length; i += 65_536) crypto.getRandomValues(pdf.subarray(i, i + 65_536))
pdf.set(new TextEncoder().encode('%PDF-1.7\n'))

describe('write-back delivery', () => {
  it('the bundle tells the doctor the patient’s per-grant mailbox and peer, and nothing tells the proxies', () => {
    const contact = openGrantContact(grant.bundle, doctor.receivingKey)!
    expect(contact.peerId).toBe(patient.node.libp2p.peerId.toString())
    const key = grantMailboxKey(patient.keys.preMasterSeed, { chainId: stack.chainId, consent: stack.consent, grantee: doctor.account, grantIndex: 0 })
    expect(bytesToHex(contact.mailbox)).toBe(bytesToHex(key.publicKey().toCompressedBytes()))
  })

  it('reaches the patient’s inbox straight away when the patient is online', async () => {
    const unserve = await inbox.serve(patient.node)
    const note = buildVisitNote({ ...visit, title: 'Follow-up', text: 'Blood pressure 128/82. Continue as planned.' })
    const sent = await doctor.send({ ...grant, resource: note })
    expect(sent.status).toBe('delivered')
    // A copy waits in the mailbox too, in case the patient's tab closes before they answer.
    expect(sent.storedOn).toHaveLength(stack.cares.length)
    expect(inbox.items).toHaveLength(1)
    expect(inbox.items[0]).toMatchObject({ id: sent.id, grantId: grant.grantId, scope: 'notes', from: doctor.account.toLowerCase(), resource: note })
    await unserve()
  })

  it('the app’s one deliver handler puts a write-back in the inbox at once, refuses a kind no part takes, and the mailbox copy is dropped as a duplicate', async () => {
    // The browser app serves /salus/deliver once per node (src/ui/state/deliveryRouter.ts):
    // the doctor's consent inbox and the patient's inbox each register their kinds.
    const router = new DeliveryRouter()
    const received: InboxItem[] = []
    const context = await inbox.context()
    const off = router.on('write-back', async (delivery) => void received.push(await receiveWriteBack(context, delivery.item)))
    await router.serve(patient.node)
    const routed = await doctor.send({ ...grant, resource: buildVisitNote({ ...visit, title: 'Routed', text: 'Through the app’s deliver router.' }) })
    expect(routed.status).toBe('delivered')
    expect(received.map((item) => item.id)).toEqual([routed.id])

    // No part takes write-backs any more (say, the inbox closed): refused with a sentence, and the doctor is told.
    off()
    const refused = doctor.send({ ...grant, resource: buildVisitNote({ ...visit, title: 'Nobody takes it', text: 'Refused.' }) })
    await expect(refused).rejects.toMatchObject({ code: 'refused' })
    await router.stop()

    // The delivered item's mailbox copy: the next collection finds only the routed one (the first test's note is known).
    const collected = await inbox.collect(patient.node)
    expect(collected.map((item) => item.id)).toEqual([routed.id])
  })

  it('waits in the mailbox while the patient is offline; the patient collects it, the doctor sees delivered, accepted and declined', async () => {
    const peerId = patient.node.libp2p.peerId.toString()
    await patient.node.stop()
    const prescription = buildPrescription({ ...visit, medication: 'Amoxicillin 500 mg', dose: { value: 1, unit: 'tablet' }, route: 'oral', frequency: { times: 3, period: 1, periodUnit: 'd' }, durationDays: 7, repeats: 0 })
    const report = buildDiagnosticReport({ ...visit, title: 'Blood panel', file: { contentType: 'application/pdf', title: 'panel.pdf', bytes: pdf } })
    const sentPrescription = await doctor.send({ ...grant, resource: prescription, onlineTimeoutMs: 2_000 })
    const sentReport = await doctor.send({ ...grant, resource: report, onlineTimeoutMs: 2_000 })
    expect([sentPrescription.status, sentReport.status]).toEqual(['sent', 'sent'])
    expect(sentReport.storedOn).toHaveLength(stack.cares.length)

    // Back online (same browser, same peer id): the collection finds both, checked.
    const back = await stack.node(anvilAccount(8).account.address, 8)
    expect(back.libp2p.peerId.toString()).toBe(peerId)
    const doctorKey = bytesToHex(doctor.receivingKey.publicKey().toCompressedBytes())
    const collected = await inbox.collect(back, { doctorKey })
    expect(collected.map((item) => item.id).sort()).toEqual([sentPrescription.id, sentReport.id].sort())
    expect(inbox.refusals).toEqual([])
    const pdfBack = (collected.find((item) => item.id === sentReport.id)!.resource.presentedForm as { data: string }[])[0]!.data
    expect(Uint8Array.from(atob(pdfBack), (c) => c.charCodeAt(0))).toEqual(pdf)
    // Collected entries are gone from the care nodes; collecting again finds nothing new.
    const key = grantMailboxKey(patient.keys.preMasterSeed, { chainId: stack.chainId, consent: stack.consent, grantee: doctor.account, grantIndex: 0 })
    expect(await takeFromMailbox(back, stack.cares.map((c) => c.multiaddrs[0]!), { secretKey: key })).toEqual([])
    expect(await inbox.collect(back)).toEqual([])

    const context = await inbox.context()
    const answerContext = { ...context, node: back, careNodes: stack.cares.map((c) => c.multiaddrs[0]!), doctorKey: async () => doctorKey }
    await answerWriteBack(answerContext, collected.find((item) => item.id === sentPrescription.id)!, 'accepted')
    await answerWriteBack(answerContext, collected.find((item) => item.id === sentReport.id)!, 'declined', 'This panel is from another visit.')
    await expect(answerWriteBack(answerContext, collected[0]!, 'declined', '  ')).rejects.toMatchObject({ name: 'FormInputError' })

    const kept: string[] = []
    const answers = await collectAnswers({
      node: doctor.node,
      careNodes: stack.cares.map((c) => c.multiaddrs[0]!),
      receivingKey: doctor.receivingKey,
      contactOf: (grantId) => (grantId === grant.grantId ? openGrantContact(grant.bundle, doctor.receivingKey)?.mailbox : undefined),
      keep: async (got) => void kept.push(...got.map((a) => `${a.itemId}:${a.status}`)),
    })
    expect(answers.map((a) => [a.itemId, a.status, a.reason]).sort()).toEqual(
      [
        [sentPrescription.id, 'delivered', undefined],
        [sentReport.id, 'delivered', undefined],
        [sentPrescription.id, 'accepted', undefined],
        [sentReport.id, 'declined', 'This panel is from another visit.'],
      ].sort(),
    )
    // Kept answers are deleted from the doctor's mailbox.
    expect(await collectAnswers({ node: doctor.node, careNodes: stack.cares.map((c) => c.multiaddrs[0]!), receivingKey: doctor.receivingKey, contactOf: () => undefined })).toEqual([])
  })
})
