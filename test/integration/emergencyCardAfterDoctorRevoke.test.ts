// Revoking a doctor whose grant covers the summary rotates the summary's key (issue 8):
// every other grant on it is reissued with the new epoch, the emergency card's too. A card
// has no directory entry, so the app gives the card's receiving key from the card it keeps
// (src/ui/state/emergency/cardGranteeKey.ts). Without it the card's grant stays on the old
// epoch and a responder reads only summaries sealed before the revocation (run once with
// `otherKeys` left out: the card's grant was not reissued, "… is not in the directory").
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { emergencyCardAccount } from '../../src/flows/emergency/emergencyCardAccount.ts'
import type { EmergencyCardGrant } from '../../src/flows/emergency/publishEmergencyCard.ts'
import { startConsentStack, type ConsentStack } from '../attacks/support/consentStack.ts'
import { allergyOf, emergencyPatient, readAs } from '../attacks/support/emergencySide.ts'
import { patientGrants, type PatientSide } from '../attacks/support/patientSide.ts'
import { doctorSide } from '../attacks/support/careLoop.ts'

describe('an emergency card after the patient revokes a doctor who also had the summary', () => {
  let stack: ConsentStack
  let patient: PatientSide
  let card: EmergencyCardGrant

  beforeAll(async () => {
    stack = await startConsentStack()
    patient = await patientGrants(stack, anvilAccount(8).privateKey, 8)
    const emergency = emergencyPatient(stack, patient)
    card = await emergency.publish('Penicillin')
    const doctor = await doctorSide(stack, 2)
    const granted = await patient.grant({ grantee: doctor.account, receivingKey: doctor.receivingKey.publicKey(), scopes: ['summary'], days: 30 })
    const made = emergencyCardAccount(card.cardSecret)
    made.receivingSecretKey.free()
    const revoked = await patient.revoke(granted.grantId, (grantee) => (grantee.toLowerCase() === made.account.toLowerCase() ? made.receivingPublicKey : undefined))
    expect(revoked.notReissued).toEqual([])
    // Sealed in the summary's new epoch.
    await emergency.updateSummary('Penicillin, latex')
    await patient.node.stop()
  }, 600_000)

  afterAll(async () => {
    await stack?.stop()
  })

  it('the card was reissued with the new epoch: a responder reads the summary written after the revocation', async () => {
    const paramedic = anvilAccount(6)
    const node = await stack.node(paramedic.account.address, 6)
    const read = await readAs(stack, paramedic.privateKey, node, card)
    try {
      expect(read.records.map((record) => allergyOf(record.resource)).sort()).toEqual(['Penicillin', 'Penicillin, latex'])
    } finally {
      read.close()
    }
  })
})
