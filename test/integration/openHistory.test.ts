// A doctor opens a whole history through the flow (src/flows/consent/openSharedRecords.ts):
// real anvil and proofs, two care nodes whose proxies follow the Consent contract, the
// patient offline. Records stream first-screen first (allergies, medications, conditions),
// each proxy is asked once per stage (a batch), and a cancelled open reports nothing more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { blockAccess } from '../../src/core/blocks.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import type { SalusKeys } from '../../src/core/keys/deriveKeys.ts'
import type { Scope } from '../../src/core/scopes.ts'
import { receivingSecretKey } from '../../src/crypto/umbral.ts'
import { silentProgress } from '../../src/flows/consent/flowProgress.ts'
import { firstScreenScopes, openSharedRecords, type OpenSharedRecordsParameters, type SharedRecord } from '../../src/flows/consent/openSharedRecords.ts'
import { publishScopeManifests } from '../../src/flows/consent/publishScopeManifests.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { keysOf, startConsentStack, type ConsentStack } from '../attacks/support/consentStack.ts'
import { patientGrants, type PatientSide } from '../attacks/support/patientSide.ts'

const labs = 40
const granted: Scope[] = ['allergies', 'medications', 'conditions', 'labs']

function resources(): FhirResource[] {
  const patient = { reference: 'Patient/p' }
  const out: FhirResource[] = []
  // Labs first in the vault and newest: a flat newest-first list would show them first.
  for (let i = 0; i < labs; i++) out.push({ resourceType: 'Observation', status: 'final', code: { text: `Glucose ${i}` }, subject: patient, effectiveDateTime: `2025-0${1 + (i % 9)}-10`, valueQuantity: { value: 90 + i, unit: 'mg/dL' } })
  out.push({ resourceType: 'AllergyIntolerance', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] }, code: { text: 'Penicillin' }, patient, recordedDate: '2001-01-01' })
  out.push({ resourceType: 'MedicationStatement', status: 'active', medicationCodeableConcept: { text: 'Metformin 500 mg' }, subject: patient, effectiveDateTime: '2010-01-01' })
  out.push({ resourceType: 'Condition', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, code: { text: 'Type 2 diabetes' }, subject: patient, onsetDateTime: '2009-05-01' })
  return out
}

describe('a doctor opens a whole history: first screen first, one batch per proxy and stage, cancellable', () => {
  let stack: ConsentStack
  let patient: PatientSide
  let doctorNode: SalusNode
  let doctorKeys: SalusKeys
  let grantId: bigint
  const doctor = anvilAccount(3)
  /** Each proxy's requests: 'single' (v2) or a batch (v4) of so many capsules. */
  const requests: (number | 'single')[][] = [[], []]

  beforeAll(async () => {
    stack = await startConsentStack()
    doctorKeys = await keysOf(doctor.privateKey)
    doctorNode = await stack.node(doctor.account.address, 6)
    patient = await patientGrants(stack, anvilAccount(9).privateKey, 7)
    for (const resource of resources()) await patient.vault.addRecord({ resource, source: 'form' })
    const blocks = blockAccess({ blockstore: patient.node.blockstore })
    const careNodes = stack.cares.map((care) => care.multiaddrs[0]!)
    await publishScopeManifests({ node: patient.node, blocks, preMasterSeed: patient.keys.preMasterSeed, records: patient.vault.list(), scopes: granted, epochOf: (s) => patient.vault.currentEpoch(s), careNodes, required: 2 })
    grantId = (await patient.grant({ grantee: doctor.account.address, receivingKey: receivingSecretKey(doctorKeys.preMasterSeed).publicKey(), scopes: granted, days: 1 })).grantId
    // Count the requests each proxy answers: batches (request version 4) by capsules.
    stack.cares.forEach((care, i) => {
      const service = care.sharing.proxyService!
      const honest = service.handle
      service.handle = async (message) => {
        const groups = (message as { v?: number; groups?: { capsules: unknown[] }[] }).v === 4 ? (message as { groups: { capsules: unknown[] }[] }).groups : undefined
        requests[i]!.push(groups ? groups.reduce((sum, group) => sum + group.capsules.length, 0) : 'single')
        return honest(message)
      }
    })
    // The patient goes offline: blocks come from the care nodes.
    await patient.node.stop()
  })

  afterAll(async () => {
    await stack?.stop()
  })

  const parameters = (extra: Partial<OpenSharedRecordsParameters>): OpenSharedRecordsParameters => {
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
      directoryCareNodes: async () => stack.cares.map((care, i) => ({ account: stack.proxies[i]!.address, multiaddrs: care.multiaddrs })),
      progress: silentProgress,
      ...extra,
    }
  }

  it('streams allergies, medications and conditions before any lab, then every record, with one batch per proxy for each stage', async () => {
    const order: { scope: Scope; at: 'before' | 'after' }[] = []
    let firstScreen = false
    const timings: Record<string, number> = {}
    requests.forEach((list) => list.splice(0))
    const opened = await openSharedRecords(
      parameters({
        onRecord: (record: SharedRecord) => order.push({ scope: record.scope, at: firstScreen ? 'after' : 'before' }),
        onFirstScreen: () => (firstScreen = true),
        onTiming: (phase, ms) => (timings[phase] = ms),
      }),
    )
    try {
      expect(opened.records).toHaveLength(labs + 3)
      expect(opened.failed).toEqual([])
      // The first three reported are the first screen's, all before onFirstScreen; every lab after it.
      expect(order.slice(0, 3).map((o) => o.scope).sort()).toEqual([...firstScreenScopes].sort())
      expect(order.slice(0, 3).every((o) => o.at === 'before')).toBe(true)
      expect(order.slice(3).every((o) => o.scope === 'labs' && o.at === 'after')).toBe(true)
      // Per proxy: the four scopes' manifests in at most two requests (one alone, the rest
      // batched behind it), then one batch for the first screen's 3 records and one for the 40
      // labs; never one request per record.
      for (const list of requests) {
        const records = list.slice(-2)
        expect(records).toEqual([3, labs])
        expect(list.length).toBeLessThanOrEqual(4)
      }
      expect(Object.keys(timings).sort()).toEqual(['decrypt', 'envelopes', 'first-screen', 'list', 'proxies', 'total', 'unwrap', 'verify'])
      // Newest first in the returned list, as before.
      const dates = opened.records.map((r) => r.date ?? '')
      expect([...dates].sort().reverse()).toEqual(dates)
    } finally {
      opened.close()
    }
  })

  it('a cancelled open rejects with the abort and reports nothing after it', async () => {
    const controller = new AbortController()
    const reported: string[] = []
    let afterAbort = 0
    const run = openSharedRecords(
      parameters({
        signal: controller.signal,
        onRecord: (record) => {
          if (controller.signal.aborted) afterAbort++
          reported.push(record.cid)
          // Cancel as soon as the first record shows.
          controller.abort(new DOMException('Cancelled by the doctor', 'AbortError'))
        },
      }),
    )
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    // Give any straggling work time to (wrongly) report.
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    expect(reported).toHaveLength(1)
    expect(afterAbort).toBe(0)
  })
})
