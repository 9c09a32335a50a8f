import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/chain/deploy/freePort.ts'
import { careSignerFor, signCareRequest, type CareSigner } from '../../src/p2p/careAuth.ts'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { deleteShlFile, putShlFile, shlFileUrl, ShlFileRequestError } from '../../src/p2p/putShlFile.ts'
import { encodeShlAuthHeader, newShlId, shlRequestBody } from '../../src/p2p/shlFileRequest.ts'

/** A compact JWE-shaped file (the server checks the shape, not the cryptography). */
const jwe = (text: string, pad = 0) => `eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.${Buffer.from(text).toString('base64url')}${'A'.repeat(pad)}.dGFn`

describe('SMART Health Link files on a care node (HTTP)', () => {
  let node: CareNode
  let base: string
  let alice: CareSigner
  let mallory: CareSigner
  const target = (signer: CareSigner, id: string) => ({ baseUrl: base, peerId: node.peerId, signer, id })

  beforeAll(async () => {
    node = await startCareNode({
      port: await freePort(),
      http: { port: await freePort(), shl: { maxFileBytes: 4096, maxLinksPerIdentity: 2 } },
      identities: { registrationWorkBits: 8 },
      reencryptThreads: 0,
    })
    base = node.httpUrl!
    alice = careSignerFor(crypto.getRandomValues(new Uint8Array(32)), node.peerId)
    mallory = careSignerFor(crypto.getRandomValues(new Uint8Array(32)), node.peerId)
  })
  afterAll(async () => {
    await node?.stop()
  })

  it('stores, serves (application/jose, CORS for any origin), replaces and deletes a link', async () => {
    const id = newShlId()
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    await putShlFile({ ...target(alice, id), jwe: jwe('first') })
    const first = await fetch(`${shlFileUrl(base, id)}?recipient=Paramedic`, { headers: { origin: 'https://viewer.example' } })
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toBe('application/jose')
    expect(first.headers.get('access-control-allow-origin')).toBe('*')
    expect(await first.text()).toBe(jwe('first'))

    const preflight = await fetch(shlFileUrl(base, id), { method: 'OPTIONS', headers: { origin: 'https://viewer.example', 'access-control-request-method': 'GET' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')

    await putShlFile({ ...target(alice, id), jwe: jwe('second') })
    expect(await (await fetch(`${shlFileUrl(base, id)}?recipient=x`)).text()).toBe(jwe('second'))
    expect(await node.shlFiles.usage(Buffer.from(alice.identity.publicKey).toString('hex'))).toEqual({ links: 1, bytes: jwe('second').length })

    await deleteShlFile(target(alice, id))
    expect((await fetch(`${shlFileUrl(base, id)}?recipient=x`)).status).toBe(404)
    expect((await node.shlFiles.usage(Buffer.from(alice.identity.publicKey).toString('hex'))).links).toBe(0)
  })

  it('refuses an unsigned upload or delete', async () => {
    const id = newShlId()
    const put = await fetch(shlFileUrl(base, id), { method: 'PUT', headers: { 'content-type': 'application/jose' }, body: jwe('forged') })
    expect(put.status).toBe(401)
    expect((await put.json()).error).toBe('unsigned')
    await putShlFile({ ...target(alice, id), jwe: jwe('mine') })
    const remove = await fetch(shlFileUrl(base, id), { method: 'DELETE' })
    expect(remove.status).toBe(401)
    expect(await (await fetch(`${shlFileUrl(base, id)}?recipient=x`)).text()).toBe(jwe('mine'))
    await deleteShlFile(target(alice, id))
  })

  it("refuses to replace or delete someone else's link, and a signature over another file", async () => {
    const id = newShlId()
    await putShlFile({ ...target(alice, id), jwe: jwe('alice') })
    await expect(putShlFile({ ...target(mallory, id), jwe: jwe('mallory') })).rejects.toMatchObject({ name: 'ShlFileRequestError', code: 'not-owner', status: 403 })
    await expect(deleteShlFile(target(mallory, id))).rejects.toMatchObject({ code: 'not-owner' })
    // Alice's signature, replayed on a different body, does not hold.
    const auth = signCareRequest('shl', shlRequestBody('put', id, new TextEncoder().encode(jwe('alice'))), node.peerId, alice)
    const swapped = await fetch(shlFileUrl(base, id), { method: 'PUT', headers: { 'salus-auth': encodeShlAuthHeader(auth) }, body: jwe('swapped') })
    expect(swapped.status).toBe(401)
    // A signature for another care node does not hold here either.
    const elsewhere = signCareRequest('shl', shlRequestBody('delete', id), '12D3KooWSomeOtherNode', alice)
    expect((await fetch(shlFileUrl(base, id), { method: 'DELETE', headers: { 'salus-auth': encodeShlAuthHeader(elsewhere) } })).status).toBe(401)
    expect(await (await fetch(`${shlFileUrl(base, id)}?recipient=x`)).text()).toBe(jwe('alice'))
    await deleteShlFile(target(alice, id))
  })

  it('refuses an oversized file, a file that is no JWE, and more links than the quota', async () => {
    await expect(putShlFile({ ...target(alice, newShlId()), jwe: jwe('big', 5000) })).rejects.toMatchObject({ code: 'too-large', status: 413 })
    await expect(putShlFile({ ...target(alice, newShlId()), jwe: '{"resourceType":"Bundle"}' })).rejects.toMatchObject({ code: 'not-jwe' })
    const ids = [newShlId(), newShlId(), newShlId()]
    await putShlFile({ ...target(alice, ids[0]!), jwe: jwe('1') })
    await putShlFile({ ...target(alice, ids[1]!), jwe: jwe('2') })
    const third = putShlFile({ ...target(alice, ids[2]!), jwe: jwe('3') })
    await expect(third).rejects.toBeInstanceOf(ShlFileRequestError)
    await expect(third).rejects.toMatchObject({ code: 'quota-exceeded' })
    for (const id of ids.slice(0, 2)) await deleteShlFile(target(alice, id))
  })

  it('answers 404 for an unknown link, 400 without a recipient or with a malformed id', async () => {
    const unknown = await fetch(`${shlFileUrl(base, newShlId())}?recipient=x`)
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error).toBe('not-found')
    const id = newShlId()
    await putShlFile({ ...target(alice, id), jwe: jwe('x') })
    const noRecipient = await fetch(shlFileUrl(base, id))
    expect(noRecipient.status).toBe(400)
    expect((await noRecipient.json()).error).toBe('recipient-required')
    expect((await fetch(`${base}/shl/short?recipient=x`)).status).toBe(400)
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404)
    await deleteShlFile(target(alice, id))
  })

  it('drops a link when its lifetime has passed', async () => {
    const id = newShlId()
    await putShlFile({ ...target(alice, id), jwe: jwe('short'), lifetimeSeconds: 1 })
    expect((await fetch(`${shlFileUrl(base, id)}?recipient=x`)).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 2_100))
    expect((await fetch(`${shlFileUrl(base, id)}?recipient=x`)).status).toBe(404)
    expect((await node.sweep()).shlFiles).toBeGreaterThanOrEqual(1)
    expect((await node.shlFiles.usage(Buffer.from(alice.identity.publicKey).toString('hex'))).links).toBe(0)
  })
})
