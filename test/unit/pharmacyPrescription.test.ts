import { create as makeQr } from 'qrcode'
import { hashTypedData, keccak256, concatBytes, hexToBytes, sha256 as sha256Hex, stringToBytes, type Hex } from 'viem'
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/core/envelope/canonicalJson.ts'
import { buildPrescription } from '../../src/core/fhir/doctorForms.ts'
import {
  decodePrescriptionToken,
  encodePrescriptionToken,
  newPrescriptionSalt,
  prescriptionHash,
  prescriptionTypedData,
  verifyPrescriptionSignature,
  type PrescriptionToken,
} from '../../src/core/pharmacy/prescription.ts'
import { PrescriptionFormatError, PrescriptionInvalidError } from '../../src/core/pharmacy/prescriptionErrors.ts'

const doctor = privateKeyToAccount(generatePrivateKey())
const domain = { chainId: 31337, pharmacy: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const }

function request(repeats = 2, extra: Partial<Parameters<typeof buildPrescription>[0]> = {}) {
  return buildPrescription({
    author: { account: doctor.address, name: 'Dr. Amara Okafor' },
    visitDate: '2026-12-07',
    medication: 'Amoxicillin 500 mg capsule',
    dose: { value: 1, unit: 'capsule' },
    route: 'oral',
    frequency: { times: 3, period: 1, periodUnit: 'd' },
    durationDays: 7,
    repeats,
    instructions: 'with food',
    reason: 'Otitis media',
    ...extra,
  })
}

async function signed(repeats = 2, extra: Partial<Parameters<typeof buildPrescription>[0]> = {}): Promise<PrescriptionToken> {
  const terms = { medicationRequest: request(repeats, extra), salt: newPrescriptionSalt(), repeats, notAfter: 1_800_000_000, issuedAt: 1_765_000_000, doctor: doctor.address }
  return { ...terms, signature: await doctor.signTypedData(prescriptionTypedData(terms, domain)) }
}

describe('prescription token', () => {
  it('rxHash is keccak256(salt ‖ sha256(canonical JSON)); two salts of one request share nothing', async () => {
    const token = await signed()
    const content = sha256Hex(stringToBytes(canonicalJson(token.medicationRequest)), 'bytes')
    expect(prescriptionHash(token)).toBe(keccak256(concatBytes([hexToBytes(token.salt), content])))
    const other = { ...token, salt: newPrescriptionSalt() }
    expect(prescriptionHash(other)).not.toBe(prescriptionHash(token))
  })

  it('the typed data is the struct Pharmacy.sol hashes: domain Salus Pharmacy, Prescription(bytes32,uint8,uint64,uint64)', async () => {
    const token = await signed()
    const typed = prescriptionTypedData(token, domain)
    expect(typed.domain).toEqual({ name: 'Salus Pharmacy', version: '1', chainId: 31337, verifyingContract: domain.pharmacy })
    expect(typed.message).toEqual({ rxHash: prescriptionHash(token), repeats: 2, notAfter: 1_800_000_000n, issuedAt: 1_765_000_000n })
    expect(hashTypedData(typed)).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('round-trips through the QR text, and the signature verifies', async () => {
    const token = await signed()
    const text = encodePrescriptionToken(token, 'https://salus.example/')
    expect(text).toMatch(/^https:\/\/salus\.example\/#rx:[0-9]+$/)
    const decoded = decodePrescriptionToken(text)
    expect(decoded).toEqual({ ...token, doctor: doctor.address })
    expect(decodePrescriptionToken(text.slice(text.indexOf('rx:')))).toEqual(decoded)
    await verifyPrescriptionSignature(decoded, domain)
  })

  it('a form-built prescription fits a QR code easily (packed JSON) and the whole code is a QR', async () => {
    const token = await signed()
    const text = encodePrescriptionToken(token, 'https://salus.example')
    const raw = canonicalJson(token.medicationRequest).length
    const digits = text.length - 'https://salus.example/#rx:'.length
    const packedBytes = Math.round((digits * 7) / 17) - 131
    expect(packedBytes).toBeLessThan(raw * 0.5)
    const qr = makeQr(text, { errorCorrectionLevel: 'L' })
    expect(qr.version).toBeLessThanOrEqual(20)
  })

  it('refuses a signature by someone else, for another deployment, or over altered terms', async () => {
    const token = await signed()
    const stranger = privateKeyToAccount(generatePrivateKey())
    const forged = { ...token, signature: await stranger.signTypedData(prescriptionTypedData(token, domain)) }
    await expect(verifyPrescriptionSignature(forged, domain)).rejects.toMatchObject({ name: 'PrescriptionInvalidError', field: 'signature' })
    await expect(verifyPrescriptionSignature(token, { ...domain, chainId: 1 })).rejects.toBeInstanceOf(PrescriptionInvalidError)
    await expect(verifyPrescriptionSignature({ ...token, notAfter: token.notAfter + 1 }, domain)).rejects.toBeInstanceOf(PrescriptionInvalidError)
    const otherDrug = request(2, { medication: 'Oxycodone 80 mg' })
    await expect(verifyPrescriptionSignature({ ...token, medicationRequest: otherDrug }, domain)).rejects.toBeInstanceOf(PrescriptionInvalidError)
  })

  it('checks the terms before encoding: repeats, dates, a MedicationRequest by the signer, repeats matching its text', async () => {
    const token = await signed()
    expect(() => encodePrescriptionToken({ ...token, repeats: 100 })).toThrow(PrescriptionInvalidError)
    expect(() => encodePrescriptionToken({ ...token, notAfter: token.issuedAt })).toThrow(PrescriptionInvalidError)
    expect(() => encodePrescriptionToken({ ...token, salt: '0x12' as Hex })).toThrow(PrescriptionInvalidError)
    expect(() => encodePrescriptionToken({ ...token, signature: '0x' as Hex })).toThrow(PrescriptionInvalidError)
    expect(() => encodePrescriptionToken({ ...token, repeats: 3 })).toThrow(/allows 2 repeats/)
    const stranger = privateKeyToAccount(generatePrivateKey())
    expect(() => encodePrescriptionToken({ ...token, doctor: stranger.address })).toThrow(/does not name the doctor/)
    const condition = { ...token.medicationRequest, resourceType: 'Condition' }
    expect(() => encodePrescriptionToken({ ...token, medicationRequest: condition })).toThrow(PrescriptionInvalidError)
    const long = await signed(2, { instructions: 'x'.repeat(1000), reason: 'y'.repeat(200) })
    expect(() => encodePrescriptionToken({ ...long, medicationRequest: { ...long.medicationRequest, note: [{ text: 'z'.repeat(1000) }] } })).toThrow(/too long for a QR code/)
  })

  it('each kind of bad text is a PrescriptionFormatError with a reason', async () => {
    const text = encodePrescriptionToken(await signed())
    const digits = text.slice(3)
    const cases: [string, RegExp][] = [
      ['hello', /not a Salus prescription code/],
      ['card:1234', /not a Salus prescription code/],
      ['rx:12a4', /characters or a length/],
      [`rx:${digits.slice(0, -5)}`, /characters or a length|checksum/],
      [`rx:${digits.slice(0, 40)}`, /too short|characters or a length/],
      [`rx:${(digits[0] === '0' ? '1' : '0') + digits.slice(1)}`, /checksum|version/],
      [`rx:${digits.slice(0, 100)}${digits[100] === '9' ? '8' : '9'}${digits.slice(101)}`, /checksum|characters or a length/],
    ]
    for (const [input, reason] of cases) {
      let error: unknown
      try {
        decodePrescriptionToken(input)
      } catch (caught) {
        error = caught
      }
      expect(error, input.slice(0, 20)).toBeInstanceOf(PrescriptionFormatError)
      expect((error as PrescriptionFormatError).shortMessage).toMatch(reason)
      expect((error as PrescriptionFormatError).name).toBe('PrescriptionFormatError')
    }
  })

  it('a payload with a valid checksum but a content that is not a valid prescription is refused', async () => {
    const token = await signed()
    // Re-encode with a request naming another doctor: the checksum is right, the check is not.
    const bad = { ...token, medicationRequest: { ...token.medicationRequest, subject: { reference: 'Patient/123' } } }
    const forceEncode = () => {
      try {
        return encodePrescriptionToken(bad)
      } catch (error) {
        return error
      }
    }
    expect(forceEncode()).toBeInstanceOf(PrescriptionInvalidError)
  })
})
