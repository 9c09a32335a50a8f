import { bytesToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { mailboxAddress } from '../../../src/core/careLoop/mailboxKeys.ts'
import {
  openPharmacyNotice,
  openPrescriptionAtPharmacy,
  pharmacyNoticeDigest,
  PharmacyMessageError,
  prescriptionReplyKey,
  sealPharmacyNotice,
  sealPrescriptionForPharmacy,
  type PharmacyNotice,
} from '../../../src/core/pharmacy/pharmacyMessages.ts'
import { buildMedicationDispense, buildPharmacyInvoice } from '../../../src/core/pharmacy/pharmacyRecords.ts'
import { receivingSecretKey } from '../../../src/crypto/umbral.ts'

const paula = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const stranger = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const pharmacist = { account: paula.address, name: 'Paula Reyes', pharmacy: 'Riverside Pharmacy' }
const salt = bytesToHex(crypto.getRandomValues(new Uint8Array(32)))
const rxHash = bytesToHex(crypto.getRandomValues(new Uint8Array(32)))

function notice(): PharmacyNotice {
  const request = { resourceType: 'MedicationRequest', medicationCodeableConcept: { text: 'Amoxicillin' } }
  return {
    kind: 'dispensed', rxHash, pharmacist: paula.address, at: 1_800_000_000, chainId: 31337, pharmacy: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    dispense: buildMedicationDispense({ request, rxHash, pharmacist, when: '2026-12-07T10:00:00Z', fill: 1, fills: 2 }),
    invoice: { resource: buildPharmacyInvoice({ pharmacist, medication: 'Amoxicillin', amount: 10n ** 16n, invoiceRef: '31337/x/1', rxHash, date: '2026-12-07' }), id: 1n, amount: 10n ** 16n },
  }
}

describe('prescription messages', () => {
  it('a prescription sealed to a pharmacist opens only with that pharmacist’s key', () => {
    const seed = crypto.getRandomValues(new Uint8Array(32))
    const key = receivingSecretKey(seed)
    const other = receivingSecretKey(crypto.getRandomValues(new Uint8Array(32)))
    const sealed = sealPrescriptionForPharmacy('rx:0123', mailboxAddress(key))
    expect(openPrescriptionAtPharmacy(sealed, key)).toBe('rx:0123')
    expect(openPrescriptionAtPharmacy(sealed, other)).toBeUndefined()
  })

  it('a signed notice opens with the prescription’s reply key and names its pharmacist', async () => {
    const body = notice()
    const signature = await paula.signMessage({ message: { raw: pharmacyNoticeDigest(body) } })
    const reply = prescriptionReplyKey(salt)
    const sealed = sealPharmacyNotice({ ...body, signature }, mailboxAddress(reply))
    const opened = await openPharmacyNotice(sealed, prescriptionReplyKey(salt))
    expect(opened).toMatchObject({ kind: 'dispensed', pharmacist: paula.address.toLowerCase(), invoice: { id: 1n, amount: 10n ** 16n } })
    expect(await openPharmacyNotice(sealed, prescriptionReplyKey(bytesToHex(crypto.getRandomValues(new Uint8Array(32)))))).toBeUndefined()
  })

  it('refuses a notice signed by someone other than the pharmacist it names', async () => {
    const body = notice()
    const signature = await stranger.signMessage({ message: { raw: pharmacyNoticeDigest(body) } })
    const sealed = sealPharmacyNotice({ ...body, signature }, mailboxAddress(prescriptionReplyKey(salt)))
    await expect(openPharmacyNotice(sealed, prescriptionReplyKey(salt))).rejects.toThrow(PharmacyMessageError)
  })

  it('refuses a notice whose amount was changed after signing', async () => {
    const body = notice()
    const signature = await paula.signMessage({ message: { raw: pharmacyNoticeDigest(body) } })
    const changed = { ...body, invoice: { ...body.invoice!, amount: 1n }, signature }
    const sealed = sealPharmacyNotice(changed, mailboxAddress(prescriptionReplyKey(salt)))
    await expect(openPharmacyNotice(sealed, prescriptionReplyKey(salt))).rejects.toThrow(PharmacyMessageError)
  })
})
