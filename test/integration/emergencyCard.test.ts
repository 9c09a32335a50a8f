// An emergency card end to end through the flows, without the UI: the patient publishes a
// card (a real consent proof, the card's own account records the grant) and updates the
// summary; the patient's node stops; a certified responder (the seeded paramedic) breaks
// the glass and reads the summary from the care nodes' proxies; the patient's access
// history then shows that read with the EMS authority that certified the responder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { findBreakGlassReads } from '../../src/flows/emergency/findBreakGlassReads.ts'
import type { EmergencyCardGrant } from '../../src/flows/emergency/publishEmergencyCard.ts'
import { startConsentStack, type ConsentStack } from '../attacks/support/consentStack.ts'
import { allergyOf, emergencyPatient, readAs } from '../attacks/support/emergencySide.ts'
import { patientGrants, type PatientSide } from '../attacks/support/patientSide.ts'

describe('emergency card: published by the patient, read by a responder while the patient is offline', () => {
  let stack: ConsentStack
  let patient: PatientSide
  let card: EmergencyCardGrant
  const paramedic = anvilAccount(6)
  const cityEms = anvilAccount(5)

  beforeAll(async () => {
    stack = await startConsentStack()
    patient = await patientGrants(stack, anvilAccount(8).privateKey, 4)
    const emergency = emergencyPatient(stack, patient)
    card = await emergency.publish('Penicillin')
    // Updating the summary is adding a summary record: the same card shows it.
    await emergency.updateSummary('Penicillin, latex')
    await patient.node.stop()
  })

  afterAll(async () => {
    await stack?.stop()
  })

  it('the card is a grant of the summary scope alone to the card’s own account', async () => {
    const grant = await stack.clients(paramedic.privateKey).publicClient.readContract({
      address: stack.consent,
      abi: (await import('../../src/chain/generated/Consent.ts')).Consent.abi,
      functionName: 'grantInfo',
      args: [card.grantId],
    })
    expect(grant.grantee).toBe(card.account)
    expect(grant.scopesMask).toBe(1)
    expect(card.cardSecret).toHaveLength(32)
  })

  it('a certified responder breaks the glass and reads every summary, newest first, from the care nodes', async () => {
    const node = await stack.node(paramedic.account.address, 6)
    const read = await readAs(stack, paramedic.privateKey, node, card)
    try {
      expect(read.breakGlass.eventId).toBe(1n)
      expect(read.records.map((record) => record.scope)).toEqual(['summary', 'summary'])
      expect(read.records.map((record) => allergyOf(record.resource)).sort()).toEqual(['Penicillin', 'Penicillin, latex'])
    } finally {
      read.close()
    }
  })

  it('the patient’s history names the responder, the authority that certified them, and when', async () => {
    const reads = await findBreakGlassReads(stack.clients(anvilAccount(8).privateKey).publicClient, {
      deployment: {
        emergency: { address: stack.config.contracts.Emergency!.address, fromBlock: BigInt(stack.config.contracts.Emergency!.deployBlock) },
        registry: { address: stack.registry, fromBlock: BigInt(stack.config.contracts.Registry.deployBlock) },
      },
      grantIds: [card.grantId],
    })
    expect(reads).toHaveLength(1)
    expect(reads[0]).toMatchObject({ grantId: card.grantId, responder: paramedic.account.address, authority: cityEms.account.address })
    expect(Math.abs(reads[0]!.at - Date.now() / 1000)).toBeLessThan(300)
  })
})
