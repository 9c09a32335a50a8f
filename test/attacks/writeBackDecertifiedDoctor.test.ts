// Attack: a doctor the medical council decertified keeps writing to their patients under
// grants made while they were certified. The patient's inbox must refuse the item (the
// author no longer holds DOCTOR on chain), online and from the mailbox, and keep nothing.
// Written first without the DOCTOR check in receiveWriteBack: the item was accepted.
import { writeContract, waitForTransactionReceipt } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { Registry } from '../../src/chain/generated/Registry.ts'
import { registryRoles } from '../../src/chain/registryRoles.ts'
import { hasRegistryRole } from '../../src/chain/hasRegistryRole.ts'
import { buildResult } from '../../src/core/fhir/doctorForms.ts'
import { writeBackResourceBytes } from '../../src/core/careLoop/writeBack.ts'
import { careLoopScene, craftItem, delegatingKeyOf, doctorAuthor, expectRefusedBothWays, type CareLoopScene } from './support/careLoop.ts'

let scene: CareLoopScene

beforeAll(async () => {
  scene = await careLoopScene(['labs'])
  const council = scene.stack.clients(anvilAccount(1).privateKey)
  const hash = await writeContract(council.walletClient, { address: scene.stack.registry, abi: Registry.abi, functionName: 'decertify', args: [registryRoles.doctor, scene.doctor.account], chain: council.walletClient.chain, account: council.account })
  await waitForTransactionReceipt(council.publicClient, { hash })
  expect(await hasRegistryRole(council.publicClient, { registry: scene.stack.registry, role: 'doctor', account: scene.doctor.account })).toBe(false)
}, 300_000)
afterAll(async () => scene?.stop())

describe('write-back from a decertified doctor', () => {
  it('is refused online and from the mailbox; nothing is kept', async () => {
    const result = buildResult({ author: doctorAuthor(2), visitDate: '2026-12-01', test: 'HbA1c', value: 9.9, unit: '%' })
    await expect(scene.doctor.send({ ...scene.grant, resource: result })).rejects.toMatchObject({ name: 'DeliverError', code: 'refused', details: expect.stringMatching(/not a certified doctor/) })
    const { item } = await craftItem({
      resourceBytes: writeBackResourceBytes(result),
      signerKey: scene.doctor.privateKey,
      author: scene.doctor.account,
      grantId: scene.grant.grantId,
      scope: 'labs',
      ...delegatingKeyOf(scene.grant.bundle, 'labs'),
      deployment: { chainId: scene.stack.chainId, consent: scene.stack.consent },
    })
    const { online, mailbox } = await expectRefusedBothWays(scene, item)
    expect(online).toMatch(/^DeliverError:refused:.*not a certified doctor/)
    expect(mailbox).toEqual([expect.stringMatching(/^WriteBackRefusedError:not-doctor:/)])
  })
})
