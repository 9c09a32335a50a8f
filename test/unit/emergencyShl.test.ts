import { readFileSync } from 'node:fs'
import path from 'node:path'
import QRCode from 'qrcode'
import { describe, expect, it } from 'vitest'
import { cardKeys, newCardSecret } from '../../src/core/emergency/cardKeys.ts'
import { SmartHealthLinkError } from '../../src/core/emergency/emergencyErrors.ts'
import { readEmergencySummary } from '../../src/core/emergency/emergencySummaryView.ts'
import { buildEmergencySummary } from '../../src/core/emergency/ips.ts'
import { base64url, decodeShlink, decryptShlFile, encodeShlink, encryptShlFile, fromBase64url } from '../../src/core/emergency/shl.ts'
import { fhirFixtures } from '../support/fixtures.ts'
import { realisticExtras, realisticRecords, summaryOptions } from './support/emergencyRecords.ts'

const vectors = path.join(fhirFixtures, 'shl-test-vector')
const vector = (name: string) => readFileSync(path.join(vectors, name), 'utf8').trim()
const demoKey = 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q'

describe('SMART Health Links', () => {
  it('reads the published test vector: the viewer-prefixed link and its JWE (which has no cty)', async () => {
    const payload = decodeShlink(vector('IPS_IG_bundle-minimal-shl.txt'))
    expect(payload).toEqual({
      url: 'https://raw.githubusercontent.com/seanno/shc-demo-data/main/ips/IPS_IG_bundle-minimal-enc.txt',
      key: demoKey, flag: 'LU', label: 'Demo SHL for IPS_IG_bundle-minimal',
    })
    const file = await decryptShlFile(vector('IPS_IG_bundle-minimal-enc.txt'), payload.key)
    expect(file.contentType).toBeUndefined()
    const bundle = JSON.parse(file.content) as { id: string }
    expect(bundle.id).toBe('bundle-minimal')
    expect(readEmergencySummary(bundle).allergies).toHaveLength(1)
  })

  it('reads the specification\'s example encryption', async () => {
    const file = await decryptShlFile(vector('spec-example-jwe.txt'), demoKey)
    expect(file.contentType).toBe('application/smart-health-card')
    expect(JSON.parse(file.content).verifiableCredential[0]).toMatch(/^eyJ6aXAiOiJERUYi/)
  })

  it('encodes the spec\'s own example payload to the spec\'s own link', () => {
    // docs/spec.md "Example SHLink Generation" (smart-on-fhir/smart-health-links).
    const link = encodeShlink({ url: 'https://ehr.example.org/qr/Y9xwkUdtmN9wwoJoN3ffJIhX2UGvCL1JnlPVNL3kDWM/m', flag: 'LP', key: demoKey, label: 'Back-to-school immunizations for Oliver Brown' })
    // The spec serialises url, flag, key, label in that order; ours is url, key, flag, label: same JSON object.
    expect(decodeShlink(link)).toEqual(decodeShlink('shlink:/eyJ1cmwiOiJodHRwczovL2Voci5leGFtcGxlLm9yZy9xci9ZOXh3a1VkdG1OOXd3b0pvTjNmZkpJaFgyVUd2Q0wxSm5sUFZOTDNrRFdNL20iLCJmbGFnIjoiTFAiLCJrZXkiOiJyeFRnWWxPYUtKUEZ0Y0VkMHFjY2VOOHdFVTRwOTRTcUF3SVdRZTZ1WDdRIiwibGFiZWwiOiJCYWNrLXRvLXNjaG9vbCBpbW11bml6YXRpb25zIGZvciBPbGl2ZXIgQnJvd24ifQ'))
  })

  it('an open card\'s summary round-trips: link with flag U, JWE dir/A256GCM with cty, compressed or not; the QR is small', async () => {
    const key = cardKeys(newCardSecret()).shlKey
    const bundle = buildEmergencySummary(realisticRecords, realisticExtras, summaryOptions)
    const link = encodeShlink({ url: 'https://care1.salus.example/shl/I91rhba3VsuGXGchcnr6VHlQFKxfE28kuZ0ssbEuxno', key, flag: 'U', label: 'Emergency summary', exp: 1_830_000_000 }, 'https://salus.example/')
    expect(link).toMatch(/^https:\/\/salus\.example\/#shlink:\//)
    const payload = decodeShlink(link)
    expect(payload).toMatchObject({ flag: 'U', key: base64url(key), label: 'Emergency summary', exp: 1_830_000_000 })
    for (const compress of [false, true]) {
      const jwe = await encryptShlFile(JSON.stringify(bundle), key, { compress })
      const header = JSON.parse(new TextDecoder().decode(fromBase64url(jwe.split('.')[0]!)))
      expect(header).toEqual({ alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json', ...(compress ? { zip: 'DEF' } : {}) })
      expect(jwe.split('.')[1]).toBe('')
      const file = await decryptShlFile(jwe, payload.key)
      expect(file.contentType).toBe('application/fhir+json')
      expect(readEmergencySummary(JSON.parse(file.content)).allergies).toHaveLength(5)
    }
    const version = QRCode.create(link, { errorCorrectionLevel: 'M' }).version
    console.log(`open card SHL QR (level M): ${link.length} chars → version ${version}`)
    expect(version).toBeLessThanOrEqual(15)
  })

  it('refuses a tampered, truncated or wrongly keyed file, and a foreign algorithm', async () => {
    const key = crypto.getRandomValues(new Uint8Array(32))
    const jwe = await encryptShlFile('{"resourceType":"Bundle"}', key)
    const parts = jwe.split('.')
    const flip = (text: string) => text.slice(0, 4) + (text[4] === 'A' ? 'B' : 'A') + text.slice(5)
    await expect(decryptShlFile([parts[0], '', parts[2], flip(parts[3]!), parts[4]].join('.'), key)).rejects.toThrow(/did not decrypt/)
    await expect(decryptShlFile([parts[0], '', parts[2], parts[3], flip(parts[4]!)].join('.'), key)).rejects.toThrow(SmartHealthLinkError)
    // The header is authenticated (it is the AAD): changing it breaks decryption even when still valid JSON.
    const otherHeader = base64url(new TextEncoder().encode(JSON.stringify({ alg: 'dir', enc: 'A256GCM', cty: 'application/smart-health-card' })))
    await expect(decryptShlFile([otherHeader, ...parts.slice(1)].join('.'), key)).rejects.toThrow(/did not decrypt/)
    await expect(decryptShlFile(parts.slice(0, 4).join('.'), key)).rejects.toThrow(/five parts/)
    await expect(decryptShlFile(jwe, crypto.getRandomValues(new Uint8Array(32)))).rejects.toThrow(/did not decrypt/)
    await expect(decryptShlFile(jwe, new Uint8Array(16))).rejects.toThrow(/32 bytes/)
    const rsa = base64url(new TextEncoder().encode(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A256GCM' })))
    await expect(decryptShlFile([rsa, ...parts.slice(1)].join('.'), key)).rejects.toThrow(/not dir\/A256GCM/)
    await expect(decryptShlFile([parts[0], 'c29tZWtleQ', ...parts.slice(2)].join('.'), key)).rejects.toThrow(/encrypted key/)
    await expect(decryptShlFile('x'.repeat(9 * 1024 * 1024), key)).rejects.toThrow(/size/)
  })

  it('refuses malformed links with a reason', () => {
    const good = { url: 'https://a.example/x', key: demoKey }
    const raw = (value: unknown) => `shlink:/${base64url(new TextEncoder().encode(JSON.stringify(value)))}`
    expect(() => decodeShlink('https://a.example/#nothing')).toThrow(/shlink:\//)
    expect(() => decodeShlink('shlink:/***')).toThrow(/base64url/)
    expect(() => decodeShlink(`shlink:/${base64url(new TextEncoder().encode('[1'))}`)).toThrow(/not JSON/)
    expect(() => decodeShlink(raw({ ...good, key: 'short' }))).toThrow(/43 characters/)
    expect(() => decodeShlink(raw({ ...good, url: 'ftp://a.example/x' }))).toThrow(/http/)
    expect(() => decodeShlink(raw({ ...good, url: `https://a.example/${'x'.repeat(120)}` }))).toThrow(/128/)
    expect(() => decodeShlink(raw({ ...good, flag: 'UL' }))).toThrow(/alphabetical/)
    expect(() => decodeShlink(raw({ ...good, flag: 'PU' }))).toThrow(/cannot be combined/)
    expect(() => decodeShlink(raw({ ...good, v: 2 }))).toThrow(/version 2/)
    expect(() => decodeShlink(raw({ ...good, label: 'x'.repeat(81) }))).toThrow(/80/)
    // Properties it does not know are ignored, as the spec requires.
    expect(decodeShlink(raw({ ...good, future: true }))).toEqual(good)
    expect(() => decodeShlink(`x${raw(good)}`)).toThrow(SmartHealthLinkError)
  })
})
