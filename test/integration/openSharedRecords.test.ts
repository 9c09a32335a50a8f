// The grantee's open (src/flows/consent/openSharedRecords.ts) called directly, without
// Svelte: a real anvil with real consent proofs, two care nodes whose proxies follow the
// Consent contract, a patient who grants allergies to a doctor, and the doctor's node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getGrantEvents } from '../../src/chain/consent/getGrantEvents.ts'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import type { SalusKeys } from '../../src/core/keys/deriveKeys.ts'
import { receivingSecretKey } from '../../src/crypto/umbral.ts'
import type { FlowProgress } from '../../src/flows/consent/flowProgress.ts'
import { openSharedRecords, type OpenSharedRecordsParameters } from '../../src/flows/consent/openSharedRecords.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { keysOf, startConsentStack, type ConsentStack } from '../attacks/support/consentStack.ts'
import { patientGrants, type PatientSide } from '../attacks/support/patientSide.ts'

/** Records each call as "begin 0", "finish 0", … (details left out: they depend on timing). */
function recordingProgress(): FlowProgress & { calls: string[] } {
  const calls: string[] = []
  return { calls, begin: (step) => calls.push(`begin ${step}`), finish: (step) => calls.push(`finish ${step}`), detail: () => {} }
}

describe('openSharedRecords: the grantee opens a patient’s shared records without the UI', () => {
  let stack: ConsentStack
  let patient: PatientSide
  let doctorNode: SalusNode
  let doctorKeys: SalusKeys
  let grantId: bigint
  const doctor = anvilAccount(2)

  beforeAll(async () => {
    stack = await startConsentStack()
    doctorKeys = await keysOf(doctor.privateKey)
    doctorNode = await stack.node(doctor.account.address, 5)
    patient = await patientGrants(stack, anvilAccount(8).privateKey, 4)
    await patient.addRecord('Penicillin')
    await patient.addRecord('Peanuts')
    const granted = await patient.grant({ grantee: doctor.account.address, receivingKey: receivingSecretKey(doctorKeys.preMasterSeed).publicKey(), scopes: ['allergies'], days: 1 })
    grantId = granted.grantId
  })

  afterAll(async () => {
    await stack?.stop()
  })

  /** The access sessions logged on chain for the grant, by the doctor: the patient sees each. */
  const sessions = async () =>
    (await getGrantEvents(stack.clients(doctor.privateKey).publicClient, { consent: stack.consent, fromBlock: stack.fromBlock })).events.filter(
      (event) => event.type === 'AccessLogged' && event.grantId === grantId && event.grantee.toLowerCase() === doctor.account.address.toLowerCase(),
    ).length

  const parameters = (progress: FlowProgress, directory = stack.cares.map((care, i) => ({ account: stack.proxies[i]!.address, multiaddrs: care.multiaddrs }))): OpenSharedRecordsParameters => {
    const { publicClient, walletClient } = stack.clients(doctor.privateKey)
    return {
      publicClient,
      walletClient,
      ensureChain: async () => {},
      deployment: { consent: stack.consent, fromBlock: stack.fromBlock },
      node: doctorNode,
      keys: doctorKeys,
      grantee: doctor.account.address,
      grantId,
      careNodes: stack.cares.map((care) => care.multiaddrs[0]!),
      directoryCareNodes: async () => directory,
      progress,
    }
  }

  it('checks the grant, logs a session, and opens every granted record from the care nodes (the patient offline)', async () => {
    const progress = recordingProgress()
    const before = await sessions()
    const opened = await openSharedRecords(parameters(progress))
    try {
      expect(await sessions()).toBe(before + 1)
      expect(opened.patientAddress).toBeUndefined()
      expect(opened.records.map((r) => (r.resource as { code?: { text?: string } }).code?.text).sort()).toEqual(['Peanuts', 'Penicillin'])
      expect(opened.records.every((r) => r.scope === 'allergies')).toBe(true)
      expect(progress.calls).toEqual(['begin 0', 'finish 0', 'begin 1', 'finish 1', 'begin 2', 'finish 2', 'begin 3', 'finish 3'])
    } finally {
      opened.close()
    }
  })

  it('refuses with a sentence when the directory no longer lists the consent’s care nodes', async () => {
    await expect(openSharedRecords(parameters(recordingProgress(), []))).rejects.toMatchObject({ name: 'SharingUnavailableError' })
  })

  it('after revocation, stops at the chain check: nothing is logged or opened', async () => {
    await patient.revoke(grantId)
    const progress = recordingProgress()
    const before = await sessions()
    await expect(openSharedRecords(parameters(progress))).rejects.toMatchObject({ name: 'AccessEndedError', reason: 'revoked' })
    expect(progress.calls).toEqual(['begin 0'])
    expect(await sessions()).toBe(before)
  })
})
