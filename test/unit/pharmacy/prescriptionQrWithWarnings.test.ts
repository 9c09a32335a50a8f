import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { buildPrescription } from '../../../src/core/fhir/doctorForms.ts'
import { checkPrescription } from '../../../src/core/pharmacy/checks/checkPrescription.ts'
import { overriddenWarningsOf, withOverriddenWarnings } from '../../../src/core/pharmacy/pharmacyRecords.ts'
import { decodePrescriptionToken, encodePrescriptionToken, newPrescriptionSalt, prescriptionTypedData } from '../../../src/core/pharmacy/prescription.ts'
import { decodeQrImage } from '../../../src/core/qr/decodeQr.ts'
import { renderQrPixels } from '../../../src/core/qr/renderQr.ts'

const doctor = privateKeyToAccount(generatePrivateKey())
const domain = { chainId: 31337, pharmacy: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const }
const allergy = (i: number) => ({ ref: `bafyreigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbz${i}`, resource: { resourceType: 'AllergyIntolerance', code: { text: 'Penicillin' }, category: ['medication'], criticality: 'high' } })
const currentAmoxicillin = { ref: 'm1', resource: { resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'Amoxicillin 250 mg capsule' } } }

// A patient whose vault holds the same allergy three times (typed once, imported twice) and
// amoxicillin already: the doctor overrides both warnings. Found in a full e2e run, where the
// prescription's QR code grew past what a saved image decodes (and two overrides could not be
// encoded at all).
describe('a prescription with overridden warnings', () => {
  it('gives one warning for one finding in several records, and still fits a QR code that decodes', async () => {
    const medication = 'Amoxicillin 500 mg capsule'
    const { warnings } = checkPrescription({ medication: { text: medication }, records: [allergy(1), allergy(2), allergy(3), currentAmoxicillin] })
    expect(warnings.map((w) => w.rule)).toEqual(['allergy', 'duplicate'])
    expect(warnings[0]!.message).toContain('recorded in 2 more records')

    const request = buildPrescription({ author: { account: doctor.address, name: 'Dr. Amara Okafor' }, visitDate: '2026-12-07', medication, dose: { value: 500, unit: 'mg' }, route: 'oral', frequency: { times: 3, period: 1, periodUnit: 'd' }, durationDays: 7, repeats: 0 })
    const reasons = ['Tolerated amoxicillin in 2019 without reaction', 'Replaces the 250 mg course, which stops today']
    const medicationRequest = withOverriddenWarnings(request, warnings.map((warning, i) => ({ warning, reason: reasons[i]! })))
    expect(overriddenWarningsOf(medicationRequest).map((w) => w.reason)).toEqual(reasons)

    const terms = { medicationRequest, salt: newPrescriptionSalt(), repeats: 0, notAfter: 1_800_000_000, issuedAt: 1_765_000_000, doctor: doctor.address }
    const token = { ...terms, signature: await doctor.signTypedData(prescriptionTypedData(terms, domain)) }
    const text = encodePrescriptionToken(token, 'http://127.0.0.1:5173')
    const read = decodeQrImage(renderQrPixels(text, { scale: 4 }))
    expect(read).toBe(text)
    expect(overriddenWarningsOf(decodePrescriptionToken(read).medicationRequest).map((w) => w.reason)).toEqual(reasons)
  })
})
