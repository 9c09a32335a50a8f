import { describe, expect, it } from 'vitest'
import { cardKeys, cardUmbralLabel, newCardSecret } from '../../src/core/emergency/cardKeys.ts'
import { deflateRaw } from '../../src/core/emergency/deflate.ts'
import { EmergencyCardFormatError, EmergencyMinimumError, EmergencyMinimumTooLargeError } from '../../src/core/emergency/emergencyErrors.ts'
import { readEmergencySummary } from '../../src/core/emergency/emergencySummaryView.ts'
import { buildEmergencySummary } from '../../src/core/emergency/ips.ts'
import { type EmergencyMinimum, openMinimum, sealMinimum, sealMinimumToFit, selectMinimum } from '../../src/core/emergency/minimum.ts'
import { gcmEncrypt } from '../../src/core/emergency/aesGcm.ts'
import { labelledSecretKey } from '../../src/crypto/umbral.ts'
import { privateKeyToAddress } from 'viem/accounts'
import { realisticExtras, realisticRecords, summaryOptions } from './support/emergencyRecords.ts'

const view = readEmergencySummary(buildEmergencySummary(realisticRecords, realisticExtras, summaryOptions))
const bytes = (minimum: EmergencyMinimum) => new TextEncoder().encode(JSON.stringify(minimum)).length

describe('card keys', () => {
  it('derive the same keys from the same secret, different ones from another, each key distinct', () => {
    const secret = newCardSecret()
    const keys = cardKeys(secret)
    expect(cardKeys(secret.slice())).toEqual(keys)
    const other = cardKeys(newCardSecret())
    expect(other.accountPrivateKey).not.toBe(keys.accountPrivateKey)
    expect(keys.accountPrivateKey).toMatch(/^0x[0-9a-f]{64}$/)
    expect(privateKeyToAddress(keys.accountPrivateKey)).toMatch(/^0x[0-9a-fA-F]{40}$/)
    const all = [keys.umbralSeed, keys.minimumKey, keys.shlKey].map((key) => Buffer.from(key).toString('hex'))
    expect(new Set(all).size).toBe(3)
    expect(all.every((hex) => hex.length === 64)).toBe(true)
    expect(labelledSecretKey(keys.umbralSeed, cardUmbralLabel).publicKey().toCompressedBytes()).toEqual(labelledSecretKey(cardKeys(secret).umbralSeed, cardUmbralLabel).publicKey().toCompressedBytes())
  })

  it('refuse a secret that is not 32 bytes', () => {
    expect(() => cardKeys(new Uint8Array(31))).toThrow(EmergencyCardFormatError)
  })
})

describe('the embedded minimum', () => {
  it('keeps current allergies (high risk first), current medications, active problems, blood group and the first contact', () => {
    const minimum = selectMinimum(view)
    expect(minimum.allergies).toEqual([
      'Penicillin (HIGH RISK): anaphylaxis', 'Peanut (HIGH RISK): throat swelling', 'Iodinated contrast media (HIGH RISK): bronchospasm', 'Latex: hives', 'Ibuprofen: rash',
    ])
    expect(minimum.medications).toHaveLength(8)
    expect(minimum.medications.some((line) => line.startsWith('Amoxicillin'))).toBe(false)
    expect(minimum.problems).toEqual(['Type 2 diabetes mellitus', 'Atrial fibrillation', 'Essential hypertension', 'Hypothyroidism', 'Asthma', 'Chronic kidney disease stage 3'])
    expect(minimum.bloodGroup).toBe('A-')
    expect(minimum.contact).toEqual({ name: 'Bob Example', relation: 'husband', phone: '+49 170 1234567' })
    expect(minimum.updatedAt).toBe('2026-12-01T08:00:00.000Z')
    expect(minimum.more).toBeUndefined()
  })

  it('trims to the budget by its rule: items shortened, then problems, then medications dropped, allergies last, with "+N more"', () => {
    const at600 = selectMinimum(view, { budgetBytes: 600 })
    expect(bytes(at600)).toBeLessThanOrEqual(600)
    expect(at600.allergies).toHaveLength(5)
    expect(at600.problems).toEqual([])
    expect(at600.more?.problems).toBe(6)
    expect(at600.medications.length + (at600.more?.medications ?? 0)).toBe(8)
    expect(at600.medications.every((line) => line.length <= 48)).toBe(true)
    const at300 = selectMinimum(view, { budgetBytes: 300 })
    expect(at300.medications).toEqual([])
    expect(at300.allergies.length).toBeGreaterThan(0)
    expect(at300.allergies.length + (at300.more?.allergies ?? 0)).toBe(5)
    expect(at300.bloodGroup).toBe('A-')
    expect(at300.contact?.phone).toBe('+49 170 1234567')
    expect(() => selectMinimum(view, { budgetBytes: 60 })).toThrow(EmergencyMinimumTooLargeError)
  })

  it('seals to fit a room in bytes, trimming by the same rule, and says so when nothing fits', async () => {
    const key = cardKeys(newCardSecret()).minimumKey
    const { minimum, sealed } = await sealMinimumToFit(view, key, { maxSealedBytes: 300 })
    expect(sealed.length).toBeLessThanOrEqual(300)
    expect(minimum.more?.problems).toBe(6)
    expect(await openMinimum(sealed, key)).toEqual(minimum)
    await expect(sealMinimumToFit(view, key, { maxSealedBytes: 40 })).rejects.toThrow(EmergencyMinimumTooLargeError)
  })

  it('seals and opens; a tampered byte, a truncated or another card\'s key is a clear error', async () => {
    const keys = cardKeys(newCardSecret())
    const minimum = selectMinimum(view)
    const sealed = await sealMinimum(minimum, keys.minimumKey)
    expect(sealed.length).toBeLessThan(bytes(minimum))
    expect(await openMinimum(sealed, keys.minimumKey)).toEqual(minimum)
    for (const index of [0, 12, sealed.length - 1]) {
      const tampered = sealed.slice()
      tampered[index]! ^= 1
      await expect(openMinimum(tampered, keys.minimumKey)).rejects.toThrow(EmergencyMinimumError)
    }
    await expect(openMinimum(sealed.subarray(0, sealed.length - 5), keys.minimumKey)).rejects.toThrow(/altered, or it belongs to another card/)
    await expect(openMinimum(sealed.subarray(0, 20), keys.minimumKey)).rejects.toThrow(/too short/)
    await expect(openMinimum(sealed, cardKeys(newCardSecret()).minimumKey)).rejects.toMatchObject({ name: 'EmergencyMinimumError' })
  })

  it('refuses a well-sealed minimum that is malformed or a decompression bomb', async () => {
    const key = cardKeys(newCardSecret()).minimumKey
    const aad = new TextEncoder().encode('salus/emergency-minimum/v1')
    const seal = async (plain: Uint8Array) => {
      const nonce = crypto.getRandomValues(new Uint8Array(12))
      const body = await gcmEncrypt(key, nonce, await deflateRaw(plain), aad)
      return Uint8Array.from([...nonce, ...body])
    }
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
    await expect(openMinimum(await seal(json({ allergies: [], medications: [], problems: [], updatedAt: 'x', script: 1 })), key)).rejects.toThrow(/unknown field "script"/)
    await expect(openMinimum(await seal(json({ allergies: 'none', medications: [], problems: [], updatedAt: 'x' })), key)).rejects.toThrow(/allergies is not a list/)
    await expect(openMinimum(await seal(new Uint8Array(100_000).fill(32)), key)).rejects.toThrow(/contents are not readable/)
    await expect(openMinimum(await seal(new TextEncoder().encode('not json')), key)).rejects.toThrow(EmergencyMinimumError)
  })
})
