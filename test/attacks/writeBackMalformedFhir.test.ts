// Attack: a correctly signed and sealed item whose content is not a doctor's valid FHIR
// record: an invalid Condition, bytes that are not JSON, a resource of another kind (a
// Patient, to overwrite who the patient is), and a record naming another doctor as its
// author. Each is refused with a sentence, online and from the mailbox; nothing is kept.
// Written first without validateDoctorResource in openWriteBack: all four were accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDiagnosis } from '../../src/core/fhir/doctorForms.ts'
import { writeBackResourceBytes } from '../../src/core/careLoop/writeBack.ts'
import { careLoopScene, craftItem, delegatingKeyOf, doctorAuthor, expectRefusedBothWays, type CareLoopScene } from './support/careLoop.ts'

let scene: CareLoopScene

beforeAll(async () => {
  scene = await careLoopScene(['conditions'])
}, 300_000)
afterAll(async () => scene?.stop())

describe('malformed FHIR in a write-back', () => {
  const valid = () => buildDiagnosis({ author: doctorAuthor(2), visitDate: '2026-12-01', name: 'Asthma' })
  const cases: [string, () => Uint8Array][] = [
    ['an invalid Condition', () => writeBackResourceBytes({ ...valid(), clinicalStatus: 'active' })],
    ['bytes that are not JSON', () => new TextEncoder().encode('{"resourceType": "Condition", ')],
    ['a Patient resource', () => writeBackResourceBytes({ resourceType: 'Patient', id: 'self', name: [{ text: 'Someone else' }] })],
    ['a Condition by another doctor', () => writeBackResourceBytes(buildDiagnosis({ author: doctorAuthor(3), visitDate: '2026-12-01', name: 'Asthma' }))],
  ]
  for (const [what, bytes] of cases) {
    it(`refuses ${what}`, async () => {
      const { item } = await craftItem({ resourceBytes: bytes(), signerKey: scene.doctor.privateKey, author: scene.doctor.account, grantId: scene.grant.grantId, scope: 'conditions', ...delegatingKeyOf(scene.grant.bundle, 'conditions'), deployment: { chainId: scene.stack.chainId, consent: scene.stack.consent } })
      const { online, mailbox } = await expectRefusedBothWays(scene, item)
      expect(online).toMatch(/^DeliverError:refused:.*damaged, too large or not a Salus item/)
      expect(mailbox).toEqual([expect.stringMatching(/^MalformedWriteBackError::/)])
    })
  }
})
