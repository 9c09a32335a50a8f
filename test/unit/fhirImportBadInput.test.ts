import { readFileSync } from 'node:fs'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { maxImportBytes, maxImportResources } from '../../src/core/fhir/import/importLimits.ts'
import { planFhirImport } from '../../src/core/fhir/import/planFhirImport.ts'
import { fhirFixtures } from '../support/fixtures.ts'

const plan = (text: string | Uint8Array, fileName = 'test.json') => planFhirImport(text, { fileName })
const condition = { resourceType: 'Condition', subject: { reference: 'Patient/p1' }, code: { text: 'Asthma' } }
const card = (name: string) => readFileSync(`${fhirFixtures}/smart-health-cards/${name}`, 'utf8')
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url')

/** The spec's example card with its payload changed by `change`, the signature kept (a forgery). */
function alteredCard(change: (payload: Record<string, any>) => void): string {
  const [jws] = (JSON.parse(card('example-00-e-file.smart-health-card')) as { verifiableCredential: string[] }).verifiableCredential
  const [header, payload, signature] = jws!.split('.') as [string, string, string]
  const json = JSON.parse(inflateRawSync(Buffer.from(payload, 'base64url')).toString('utf8')) as Record<string, any>
  change(json)
  return JSON.stringify({ verifiableCredential: [`${header}.${b64(deflateRawSync(JSON.stringify(json)))}.${signature}`] })
}

describe('planFhirImport refuses bad input with a reason and plans nothing from it', () => {
  it('truncated JSON', async () => {
    const text = readFileSync(`${fhirFixtures}/ips-bundle-minimal.json`, 'utf8')
    const result = await plan(text.slice(0, text.length / 2), 'ips.json')
    expect(result.records).toEqual([])
    expect(result.rejected).toEqual([{ item: 'ips.json', reason: expect.stringMatching(/^ips\.json is not valid JSON \(.+\); it may be cut short/) }])
  })

  it('a wrong type in an element, naming the element and the types', async () => {
    const result = await plan(JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'Weight' }, valueQuantity: { value: '72 kg' } }))
    expect(result.records).toEqual([])
    expect(result.rejected).toEqual([{ item: 'test.json (Observation)', reason: expect.stringContaining('Observation.value[x].value should be a number, but is a string') }])
  })

  it('an element FHIR R4 does not define, and a malformed date', async () => {
    const result = await plan(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [
      { resource: { ...condition, severityLevel: 'high' } },
      { resource: { ...condition, onsetDateTime: '2020-13-45' } },
      { resource: condition },
    ] }))
    expect(result.records).toHaveLength(1)
    expect(result.rejected.map((item) => item.reason)).toEqual([
      expect.stringContaining('Condition.severityLevel is not an element FHIR R4 defines here'),
      expect.stringContaining('Condition.onset[x] is not a valid FHIR dateTime'),
    ])
    expect(result.rejected.map((item) => item.item)).toEqual(['test.json entry 0 (Condition)', 'test.json entry 1 (Condition)'])
  })

  it('an unknown resource type, and JSON that is no resource', async () => {
    const result = await plan([JSON.stringify({ resourceType: 'Prescription', id: 'x' }), JSON.stringify({ hello: 'world' })].join('\n'), 'export.ndjson')
    expect(result.records).toEqual([])
    expect(result.rejected).toEqual([
      { item: 'export.ndjson line 1 (Prescription)', reason: '"Prescription" is not a FHIR R4 resource type (a misspelling, or a resource of another FHIR version?).' },
      { item: 'export.ndjson line 2', reason: 'This is not a FHIR resource: it has no resourceType.' },
    ])
  })

  it('a Bundle over the size limit, before parsing it', async () => {
    const bytes = new Uint8Array(maxImportBytes + 1).fill(0x20)
    const result = await plan(bytes, 'huge.json')
    expect(result.records).toEqual([])
    expect(result.rejected).toEqual([{ item: 'huge.json', reason: expect.stringContaining('larger than 20 MB') }])
  })

  it('a file of 100,000 tiny resources, refused at once as NDJSON and as a Bundle', async () => {
    const tiny = JSON.stringify({ resourceType: 'Basic', code: { text: 'x' } })
    const started = performance.now()
    const ndjson = await plan(Array(100_000).fill(tiny).join('\n'), 'tiny.ndjson')
    const bundle = await plan(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: Array(100_000).fill({ resource: { resourceType: 'Basic', code: { text: 'x' } } }) }), 'tiny.json')
    const ms = performance.now() - started
    for (const result of [ndjson, bundle]) {
      expect(result.records).toEqual([])
      expect(result.rejected).toHaveLength(1)
      expect(result.rejected[0]!.reason).toContain(`at most ${maxImportResources.toLocaleString('en')}`)
    }
    expect(ndjson.rejected[0]!.reason).toContain('holds 100,000 resources')
    expect(bundle.rejected[0]!.reason).toContain('holds 100,000 resources')
    console.log(`100,000 tiny resources refused (NDJSON and Bundle) in ${ms.toFixed(0)} ms`)
  })

  it('a file that is not UTF-8 text', async () => {
    const result = await plan(new Uint8Array([0x25, 0x50, 0x44, 0x46, 0xff, 0xfe, 0x00, 0x81]), 'scan.pdf')
    expect(result.rejected).toEqual([{ item: 'scan.pdf', reason: expect.stringContaining('not UTF-8 text') }])
  })

  it('a Bundle entry with no resource is listed, the others planned', async () => {
    const result = await plan(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: 'Condition/1' } }, { resource: condition, request: { method: 'POST', url: 'Condition' } }] }))
    expect(result.records).toHaveLength(1)
    expect(result.rejected).toEqual([{ item: 'test.json entry 0', reason: expect.stringContaining('has no resource') }])
  })

  it('stops with an AbortError when cancelled, and never otherwise throws', async () => {
    const controller = new AbortController()
    const text = readFileSync(`${fhirFixtures}/synthea/Ilene33_Klocko335_6c0c7dd6-927c-137f-e7d0-d761d7486308.json`)
    const planned = planFhirImport(new Uint8Array(text), { fileName: 'synthea.json', signal: controller.signal, onProgress: (done) => done > 0 && controller.abort() })
    await expect(planned).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('SMART Health Cards', () => {
  it('verifies the spec example card (file) against the example issuer key and plans its bundle', async () => {
    const result = await plan(card('example-00-e-file.smart-health-card'), 'example.smart-health-card')
    expect(result.verification).toEqual({ kind: 'smart-health-card', verified: true, issuer: 'https://spec.smarthealth.cards/examples/issuer', detail: expect.stringContaining('Signed by SMART Health Cards example issuer') })
    expect(result.rejected).toEqual([])
    expect(result.people.map((person) => person.name)).toEqual(['John B. Anyperson'])
    expect(result.records.map((record) => record.resource.resourceType)).toEqual(['Patient', 'Immunization', 'Immunization', 'Immunization'])
    expect(result.records.every((record) => record.personKey === result.people[0]!.key)).toBe(true)
  })

  it('reads a card from its numeric QR text, one code or three in any order', async () => {
    const one = await plan(card('example-00-f-qr-code-numeric-value-0.txt'), 'qr.txt')
    expect(one.verification?.verified).toBe(true)
    expect(one.records).toHaveLength(4)
    const three = [2, 0, 1].map((n) => card(`example-02-f-qr-code-numeric-value-${n}.txt`)).join('\n')
    const result = await plan(three, 'qr.txt')
    expect(result.verification?.verified).toBe(true)
    expect(result.records).toHaveLength(55)
    const missing = await plan(card('example-02-f-qr-code-numeric-value-0.txt'), 'qr.txt')
    expect(missing.rejected).toEqual([{ item: 'qr.txt', reason: expect.stringContaining('the card has 3 QR codes and 1 were read') }])
  })

  it('refuses a forged card: content changed after signing, signature kept', async () => {
    const forged = alteredCard((payload) => {
      payload.vc.credentialSubject.fhirBundle.entry[0].resource.name[0].family = 'Forger'
    })
    const result = await plan(forged, 'forged.smart-health-card')
    expect(result.records).toEqual([])
    expect(result.verification).toMatchObject({ verified: false, issuer: 'https://spec.smarthealth.cards/examples/issuer' })
    expect(result.rejected).toEqual([{ item: 'forged.smart-health-card', reason: expect.stringContaining('changed after it was signed, or forged. Nothing from it is imported.') }])
  })

  it('imports a card of an issuer whose key Salus does not carry, saying it is not verified', async () => {
    const unknown = alteredCard((payload) => {
      payload.iss = 'https://issuer.example.org'
    })
    const result = await plan(unknown, 'other.smart-health-card')
    expect(result.verification).toEqual({ kind: 'smart-health-card', verified: false, issuer: 'https://issuer.example.org', detail: expect.stringContaining('does not carry the public key') })
    expect(result.records).toHaveLength(4)
  })

  it('refuses a card that is not a JWS', async () => {
    const result = await plan(JSON.stringify({ verifiableCredential: ['not-a-jws'] }), 'bad.smart-health-card')
    expect(result.rejected).toEqual([{ item: 'bad.smart-health-card', reason: expect.stringContaining('not a signed JWS') }])
  })
})
