// Attack: records pushed into a patient's inbox in a doctor's name. (1) Someone who got the
// scope's delegating key (it is in every bundle the patient gave, so any of the patient's
// doctors has it) seals an item naming Alice's doctor as author but signs it with another
// account; (2) another certified doctor signs as themselves under a grant that is not
// theirs; (3) a sealed item altered on the way. Each is refused, online and from the
// mailbox, and nothing is kept. Written first without the signature and grantee checks:
// (1) and (2) were accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { buildDiagnosis } from '../../src/core/fhir/doctorForms.ts'
import { writeBackResourceBytes } from '../../src/core/careLoop/writeBack.ts'
import { careLoopScene, craftItem, delegatingKeyOf, doctorAuthor, expectRefusedBothWays, type CareLoopScene } from './support/careLoop.ts'

let scene: CareLoopScene
const mallory = anvilAccount(3) // a certified doctor, but not Alice's grantee

beforeAll(async () => {
  scene = await careLoopScene(['conditions'])
}, 300_000)
afterAll(async () => scene?.stop())

const deployment = () => ({ chainId: scene.stack.chainId, consent: scene.stack.consent })

describe('forged write-backs', () => {
  it('an item in the doctor’s name signed by another account is refused', async () => {
    const diagnosis = buildDiagnosis({ author: doctorAuthor(2), visitDate: '2026-12-01', name: 'Schizophrenia' })
    const { item } = await craftItem({ resourceBytes: writeBackResourceBytes(diagnosis), signerKey: mallory.privateKey, author: scene.doctor.account, grantId: scene.grant.grantId, scope: 'conditions', ...delegatingKeyOf(scene.grant.bundle, 'conditions'), deployment: deployment() })
    const { online, mailbox } = await expectRefusedBothWays(scene, item)
    expect(online).toMatch(/^DeliverError:refused:.*signature does not match/)
    expect(mailbox).toEqual([expect.stringMatching(/^WriteBackRefusedError:bad-signature:/)])
  })

  it('another doctor signing as themselves under a grant that is not theirs is refused', async () => {
    const diagnosis = buildDiagnosis({ author: { account: mallory.account.address, name: 'Dr. Mallory' }, visitDate: '2026-12-01', name: 'Schizophrenia' })
    const { item } = await craftItem({ resourceBytes: writeBackResourceBytes(diagnosis), signerKey: mallory.privateKey, author: mallory.account.address, grantId: scene.grant.grantId, scope: 'conditions', ...delegatingKeyOf(scene.grant.bundle, 'conditions'), deployment: deployment() })
    const { online, mailbox } = await expectRefusedBothWays(scene, item)
    expect(online).toMatch(/^DeliverError:refused:.*signed by someone you have not given access to/)
    expect(mailbox).toEqual([expect.stringMatching(/^WriteBackRefusedError:not-grantee:/)])
  })

  it('an item altered on the way does not open', async () => {
    const diagnosis = buildDiagnosis({ author: doctorAuthor(2), visitDate: '2026-12-01', name: 'Asthma' })
    const { item } = await craftItem({ resourceBytes: writeBackResourceBytes(diagnosis), signerKey: scene.doctor.privateKey, author: scene.doctor.account, grantId: scene.grant.grantId, scope: 'conditions', ...delegatingKeyOf(scene.grant.bundle, 'conditions'), deployment: deployment() })
    item[item.length - 5]! ^= 1
    const { online, mailbox } = await expectRefusedBothWays(scene, item)
    expect(online).toMatch(/^DeliverError:refused:.*damaged/)
    expect(mailbox).toEqual([expect.stringMatching(/^MalformedWriteBackError::.*damaged/)])
  })
})
