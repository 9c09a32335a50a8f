// Attack: a doctor writes back a kind of record the patient did not share with them.
// The doctor holds two grants from Alice, one for notes and one for conditions, so they
// know the conditions key; they write a diagnosis under the notes grant (sealed to the
// conditions key, signed correctly). The patient's inbox must refuse it by name, online
// and from the mailbox, and keep nothing; the doctor's own app refuses to send it.
// Written first without the grant's scope check in receiveWriteBack: the item was accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDiagnosis } from '../../src/core/fhir/doctorForms.ts'
import { writeBackResourceBytes } from '../../src/core/careLoop/writeBack.ts'
import { careLoopScene, craftItem, delegatingKeyOf, doctorAuthor, expectRefusedBothWays, type CareLoopScene } from './support/careLoop.ts'

let scene: CareLoopScene
let conditionsKey: ReturnType<typeof delegatingKeyOf>

beforeAll(async () => {
  scene = await careLoopScene(['notes'])
  const second = await scene.patient.grant({ grantee: scene.doctor.account, receivingKey: scene.doctor.receivingKey.publicKey(), scopes: ['conditions'], days: 30 })
  conditionsKey = delegatingKeyOf(second.bundleFor(scene.doctor.receivingKey), 'conditions')
}, 300_000)
afterAll(async () => scene?.stop())

describe('write-back for a scope not granted', () => {
  it('the doctor’s app will not send it', async () => {
    const diagnosis = buildDiagnosis({ author: doctorAuthor(2), visitDate: '2026-12-01', name: 'Asthma' })
    await expect(scene.doctor.send({ ...scene.grant, resource: diagnosis })).rejects.toMatchObject({ name: 'WriteBackNotPossibleError', shortMessage: expect.stringMatching(/has not shared “Conditions” with you/) })
  })

  it('a hand-made item is refused by the patient, online and from the mailbox, and nothing is kept', async () => {
    const diagnosis = buildDiagnosis({ author: doctorAuthor(2), visitDate: '2026-12-01', name: 'Asthma' })
    const { item } = await craftItem({
      resourceBytes: writeBackResourceBytes(diagnosis),
      signerKey: scene.doctor.privateKey,
      author: scene.doctor.account,
      grantId: scene.grant.grantId,
      scope: 'conditions',
      ...conditionsKey,
      deployment: { chainId: scene.stack.chainId, consent: scene.stack.consent },
    })
    const { online, mailbox } = await expectRefusedBothWays(scene, item)
    expect(online).toMatch(/^DeliverError:refused:.*kind of record you did not share with this doctor/)
    expect(mailbox).toEqual([expect.stringMatching(/^WriteBackRefusedError:scope-not-granted:.*did not share/)])
  })
})
