// Attack: a doctor keeps writing to a patient after the patient ended their access. The
// doctor still holds the grant's bundle (the old epoch's keys) and signs correctly; the
// patient's inbox must refuse the item, online and from the mailbox, and keep nothing.
// Written first without the revocation check in receiveWriteBack: the item was accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildVisitNote } from '../../src/core/fhir/doctorForms.ts'
import { writeBackResourceBytes } from '../../src/core/careLoop/writeBack.ts'
import { careLoopScene, craftItem, delegatingKeyOf, doctorAuthor, expectRefusedBothWays, type CareLoopScene } from './support/careLoop.ts'

let scene: CareLoopScene

beforeAll(async () => {
  scene = await careLoopScene(['notes'])
  await scene.patient.revoke(scene.grant.grantId)
}, 300_000)
afterAll(async () => scene?.stop())

describe('write-back after revocation', () => {
  it('the doctor’s send is refused by the patient’s browser with the reason', async () => {
    const note = buildVisitNote({ author: doctorAuthor(2), visitDate: '2026-12-01', title: 'Late note', text: 'Written after access ended.' })
    await expect(scene.doctor.send({ ...scene.grant, resource: note })).rejects.toMatchObject({ name: 'DeliverError', code: 'refused', details: expect.stringMatching(/ended this doctor’s access/) })
    expect(scene.inbox.items).toEqual([])
  })

  it('the same item through the mailbox is set aside and deleted', async () => {
    const note = buildVisitNote({ author: doctorAuthor(2), visitDate: '2026-12-01', title: 'Late note', text: 'Written after access ended.' })
    const { item } = await craftItem({
      resourceBytes: writeBackResourceBytes(note),
      signerKey: scene.doctor.privateKey,
      author: scene.doctor.account,
      grantId: scene.grant.grantId,
      scope: 'notes',
      ...delegatingKeyOf(scene.grant.bundle, 'notes'),
      deployment: { chainId: scene.stack.chainId, consent: scene.stack.consent },
    })
    const { online, mailbox } = await expectRefusedBothWays(scene, item)
    expect(online).toMatch(/^DeliverError:refused:/)
    expect(mailbox).toEqual([expect.stringMatching(/^WriteBackRefusedError:revoked:/)])
  })
})
