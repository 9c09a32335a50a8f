import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/chain/deploy/freePort.ts'
import { careSignerFor } from '../../src/p2p/careAuth.ts'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { deleteShlFile, putShlFile, shlFileUrl } from '../../src/p2p/putShlFile.ts'
import { newShlId } from '../../src/p2p/shlFileRequest.ts'
import { fhirFixtures } from '../support/fixtures.ts'
import { openShlink, toBase64url } from './support/shlSpecClient.ts'

// The receiving side is test/integration/support/shlSpecClient.ts, written from the
// SHL specification only; Salus here only runs the care node and uploads the file.

/** The sender's JWE, made here from the spec's parameters (alg dir, enc A256GCM, cty application/fhir+json). */
async function makeJwe(resource: unknown, key: Uint8Array<ArrayBuffer>, zip: boolean): Promise<string> {
  const header = { alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json', ...(zip ? { zip: 'DEF' } : {}) }
  const protectedHeader = toBase64url(new TextEncoder().encode(JSON.stringify(header)))
  let plaintext: Uint8Array<ArrayBuffer> = new TextEncoder().encode(JSON.stringify(resource))
  if (zip) plaintext = new Uint8Array(await new Response(new Blob([plaintext]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer())
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const cryptoKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt'])
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(protectedHeader) }, cryptoKey, plaintext))
  return [protectedHeader, '', toBase64url(iv), toBase64url(sealed.slice(0, -16)), toBase64url(sealed.slice(-16))].join('.')
}

function shlink(payload: object): string {
  return `shlink:/${toBase64url(new TextEncoder().encode(JSON.stringify(payload)))}`
}

describe('a minimal SHL client (spec only) opens an open card served by a care node', () => {
  let node: CareNode
  const ips = JSON.parse(readFileSync(join(fhirFixtures, 'ips-bundle-01.json'), 'utf8')) as { type: string; entry: Array<{ resource: { section?: Array<{ code: { coding: Array<{ code: string }> } }> } }> }
  const sectionCodes = (bundle: typeof ips) => bundle.entry[0]!.resource.section!.map((section) => section.code.coding[0]!.code)

  beforeAll(async () => {
    node = await startCareNode({ port: await freePort(), http: { port: await freePort() }, identities: { registrationWorkBits: 8 }, reencryptThreads: 0 })
  })
  afterAll(async () => {
    await node?.stop()
  })

  it('the client module imports nothing (no Salus code)', () => {
    const source = readFileSync(new URL('./support/shlSpecClient.ts', import.meta.url), 'utf8')
    expect(source).not.toMatch(/^\s*import\s/m)
    expect(source).not.toMatch(/\brequire\(|import\(/)
  })

  it.each([false, true])('fetches with recipient, decrypts and returns the IPS Bundle (zip DEF: %s)', async (zip) => {
    const key = crypto.getRandomValues(new Uint8Array(32))
    const id = newShlId()
    const signer = careSignerFor(crypto.getRandomValues(new Uint8Array(32)), node.peerId)
    await putShlFile({ baseUrl: node.httpUrl!, peerId: node.peerId, signer, id, jwe: await makeJwe(ips, key, zip) })
    const link = shlink({ url: shlFileUrl(node.httpUrl!, id), key: toBase64url(key), flag: 'U', label: 'Emergency summary', v: 1 })

    const { header, resource } = await openShlink(`https://viewer.example/#${link}`, 'Paramedic Jonas Berg')
    expect(header).toMatchObject({ alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json' })
    const bundle = resource as typeof ips & { resourceType: string }
    expect(bundle.resourceType).toBe('Bundle')
    expect(bundle.type).toBe('document')
    expect(sectionCodes(bundle)).toEqual(expect.arrayContaining(['11450-4', '48765-2', '10160-0']))
    expect(sectionCodes(bundle)).toEqual(sectionCodes(ips))

    // A wrong key fails to decrypt; a deleted link is gone.
    const wrongKey = shlink({ url: shlFileUrl(node.httpUrl!, id), key: toBase64url(new Uint8Array(32)), flag: 'U' })
    await expect(openShlink(wrongKey, 'x')).rejects.toThrow()
    await deleteShlFile({ baseUrl: node.httpUrl!, peerId: node.peerId, signer, id })
    await expect(openShlink(link, 'x')).rejects.toThrow(/404/)
  })
})
