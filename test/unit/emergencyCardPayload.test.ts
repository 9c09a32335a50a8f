import QRCode from 'qrcode'
import { describe, expect, it } from 'vitest'
import { cardKeys, newCardSecret } from '../../src/core/emergency/cardKeys.ts'
import { cardShlink, decodeCard, type EmergencyCard, encodeCard, maxSealedMinimumBytes } from '../../src/core/emergency/cardPayload.ts'
import { bytesToDecimal, decimalToBytes } from '../../src/core/emergency/decimalBytes.ts'
import { EmergencyCardFormatError } from '../../src/core/emergency/emergencyErrors.ts'
import { readEmergencySummary } from '../../src/core/emergency/emergencySummaryView.ts'
import { buildEmergencySummary } from '../../src/core/emergency/ips.ts'
import { openMinimum, sealMinimumToFit } from '../../src/core/emergency/minimum.ts'
import { base64url, decodeShlink } from '../../src/core/emergency/shl.ts'
import { realisticExtras, realisticRecords, summaryOptions } from './support/emergencyRecords.ts'

const origin = 'https://salus.example'
const view = readEmergencySummary(buildEmergencySummary(realisticRecords, realisticExtras, summaryOptions))
const qrVersion = (text: string | { data: string; mode: 'byte' | 'alphanumeric' }[]) => QRCode.create(text as string, { errorCorrectionLevel: 'M' }).version

async function realisticCard(extras: Partial<EmergencyCard> = {}, cardOrigin = origin, summary = view): Promise<EmergencyCard> {
  const cardSecret = newCardSecret()
  const { sealed } = await sealMinimumToFit(summary, cardKeys(cardSecret).minimumKey, { maxSealedBytes: maxSealedMinimumBytes({ ...extras, origin: cardOrigin }) })
  return { v: 1, chainId: 31337, grantId: 12n, cardSecret, issuedAt: 1_796_000_000, sealedMinimum: sealed, ...extras }
}

// QR alphanumeric mode's base45 (RFC 9285), only to measure the alternative.
function base45(bytes: Uint8Array): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'
  let out = ''
  for (let i = 0; i < bytes.length; i += 2) {
    let value = i + 1 < bytes.length ? bytes[i]! * 256 + bytes[i + 1]! : bytes[i]!
    const digits = i + 1 < bytes.length ? 3 : 2
    for (let d = 0; d < digits; d++) {
      out += alphabet[value % 45]
      value = Math.floor(value / 45)
    }
  }
  return out
}

describe('the emergency card payload', () => {
  it('round-trips every field, with and without the open-card link and care-node hints', async () => {
    const plain = await realisticCard()
    expect(decodeCard(encodeCard(plain, origin))).toEqual(plain)
    const full = await realisticCard({ grantId: 2n ** 200n + 5n, chainId: 0xffffffff, careNodes: ['12D3KooWJ8VqzM9hQe4u1CkY8bUvxqbvTb6N1P5pzv9EhV7Rk8xY'], shl: { url: 'https://care1.salus.example/shl/abc', exp: 1_800_000_000 } })
    const text = encodeCard(full, `${origin}/`)
    expect(text.startsWith(`${origin}/#card:`)).toBe(true)
    expect(decodeCard(text)).toEqual(full)
    expect(decodeCard(text.slice(text.indexOf('card:')))).toEqual(full)
    expect(decodeCard(encodeCard({ ...plain, grantId: 0n }, origin)).grantId).toBe(0n)
  })

  it('an open card also gives a standard SMART Health Link whose key comes from the card secret', async () => {
    const open = await realisticCard({ shl: { url: 'https://care1.salus.example/shl/abc', exp: 1_800_000_000 } })
    const link = cardShlink(open, origin)!
    expect(link.startsWith(`${origin}/#shlink:/`)).toBe(true)
    expect(decodeShlink(link)).toEqual({ url: 'https://care1.salus.example/shl/abc', key: base64url(cardKeys(open.cardSecret).shlKey), flag: 'U', label: 'Emergency summary', exp: 1_800_000_000 })
    expect(cardShlink(await realisticCard(), origin)).toBeUndefined()
  })

  it('decodes strictly: foreign text, wrong version, truncated, altered, trailing bytes', async () => {
    const card = await realisticCard()
    const text = encodeCard(card, origin)
    const digits = text.slice(text.indexOf('card:') + 5)
    const bytes = decimalToBytes(digits)!
    const withBytes = (changed: Uint8Array) => `${origin}/#card:${bytesToDecimal(changed)}`
    expect(() => decodeCard('https://example.org/#hello')).toThrow(EmergencyCardFormatError)
    expect(() => decodeCard('https://example.org/?xcard:123')).toThrow(/not a Salus card code/)
    expect(() => decodeCard(`${origin}/#card:12a4`)).toThrow(/characters or a length/)
    expect(() => decodeCard(`${origin}/#card:${'1'.repeat(9000)}`)).toThrow(/not a card/)
    expect(() => decodeCard(text.slice(0, -1))).toThrow(/characters or a length|checksum/)
    expect(() => decodeCard(withBytes(bytes.subarray(0, bytes.length - 10)))).toThrow(/checksum/)
    const altered = bytes.slice()
    altered[40]! ^= 1
    expect(() => decodeCard(withBytes(altered))).toThrow(/checksum does not match/)
    const version = bytes.slice()
    version[0] = 2
    expect(() => decodeCard(withBytes(version))).toThrow(/version 2/)
    // A 17-digit group above 2^56 is no card's.
    expect(() => decodeCard(`${origin}/#card:99999999999999999`)).toThrow(EmergencyCardFormatError)
    expect(() => encodeCard({ ...card, cardSecret: new Uint8Array(16) }, origin)).toThrow(/32 bytes/)
    expect(() => encodeCard({ ...card, sealedMinimum: new Uint8Array(5000) }, origin)).toThrow(/embedded minimum/)
    expect(() => encodeCard({ ...card, shl: { url: 'javascript:alert(1)' } }, origin)).toThrow(/http/)
    const error = (() => { try { decodeCard('nonsense') } catch (caught) { return caught } })() as EmergencyCardFormatError
    expect(error.name).toBe('EmergencyCardFormatError')
    expect(error.shortMessage).toMatch(/Scan the card again/)
  })

  it('fits a wallet-card QR: 5 allergies, 8 medications, 6 problems and a contact in version ≤ 20 at level M (figures printed)', async () => {
    const card = await realisticCard()
    const minimum = await openMinimum(card.sealedMinimum, cardKeys(card.cardSecret).minimumKey)
    expect(minimum.allergies).toHaveLength(5)
    expect(minimum.medications).toHaveLength(8)
    expect(minimum.problems).toHaveLength(6)
    expect(minimum.contact?.phone).toBeDefined()
    const text = encodeCard(card, origin)
    const payload = decimalToBytes(text.slice(text.indexOf('card:') + 5))!
    const decimal = qrVersion(text)
    const byteMode = qrVersion(`${origin}/#card:${base64url(payload)}`)
    const alphanumeric = qrVersion([{ data: `${origin}/#card:`, mode: 'byte' }, { data: base45(payload), mode: 'alphanumeric' }])
    const withLink = await realisticCard({ shl: { url: 'https://care1.salus.example/shl/I91rhba3VsuGXGchcnr6VHlQFKxfE28kuZ0ssbEuxno' }, careNodes: ['12D3KooWJ8VqzM9hQe4u1CkY8bUvxqbvTb6N1P5pzv9EhV7Rk8xY'] })
    const withLinkVersion = qrVersion(encodeCard(withLink, origin))
    console.log(`emergency card QR (level M): minimum ${JSON.stringify(minimum).length} B JSON → sealed ${card.sealedMinimum.length} B, payload ${payload.length} B; ` +
      `decimal/numeric ${text.length} chars → version ${decimal}; base64url/byte → version ${byteMode}; base45/alphanumeric → version ${alphanumeric}; ` +
      `open card with link and one care-node hint (room ${maxSealedMinimumBytes(withLink)} B sealed, kept ${withLink.sealedMinimum.length} B) → version ${withLinkVersion}`)
    expect(decimal).toBeLessThanOrEqual(20)
    expect(decimal).toBeLessThan(byteMode)
    expect(decimal).toBeLessThanOrEqual(alphanumeric)
    expect(withLinkVersion).toBeLessThanOrEqual(20)
    const longOrigin = 'https://emergency.salus-health.example.org:8443'
    const behindLongOrigin = await realisticCard({}, longOrigin)
    const longVersion = qrVersion(encodeCard(behindLongOrigin, longOrigin))
    console.log(`behind a ${longOrigin.length}-character origin (room ${maxSealedMinimumBytes({ origin: longOrigin })} B sealed) → version ${longVersion}`)
    expect(longVersion).toBeLessThanOrEqual(20)
    // Text that hardly compresses (random letters of many scripts) is trimmed further and still fits.
    const scripts = 'абвгдежзийклмнопрстуфхцчшщэюя日本語中文한국어αβγδεζηθικλμνξοπρστυφχψωabcdefghijklmnopqrstuvwxyz'
    const noise = (length: number) => Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => scripts[byte % scripts.length]).join('')
    const noisy = { ...view, allergies: view.allergies.map((item) => ({ ...item, text: noise(40) })), medications: view.medications.map((item) => ({ ...item, text: noise(40) })), problems: view.problems.map((item) => ({ ...item, text: noise(40) })) }
    const noisyCard = await realisticCard({}, origin, noisy)
    const noisyMinimum = await openMinimum(noisyCard.sealedMinimum, cardKeys(noisyCard.cardSecret).minimumKey)
    console.log(`hard-to-compress text: kept ${noisyMinimum.allergies.length} allergies, ${noisyMinimum.medications.length} medications, ${noisyMinimum.problems.length} problems (more: ${JSON.stringify(noisyMinimum.more)}) → version ${qrVersion(encodeCard(noisyCard, origin))}`)
    expect(qrVersion(encodeCard(noisyCard, origin))).toBeLessThanOrEqual(20)
    expect(noisyMinimum.more).toBeDefined()
  })
})
