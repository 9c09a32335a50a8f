// Attack: rewrite a patient's open emergency card. The link id is no secret to anyone
// who saw the card (it is printed in the QR), and the care node answers HTTP from
// anywhere. An attacker who swaps the file could show a crew a summary without the
// patient's penicillin allergy, or delete it before it is needed. The attacker here
// knows the id and holds one of the patient's signed uploads (captured on the wire);
// the care node must keep serving the patient's own file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/chain/deploy/freePort.ts'
import { careSignerFor, signCareRequest } from '../../src/p2p/careAuth.ts'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { putShlFile, shlFileUrl } from '../../src/p2p/putShlFile.ts'
import { encodeShlAuthHeader, newShlId, shlRequestBody } from '../../src/p2p/shlFileRequest.ts'

const jwe = (label: string) => `eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.${Buffer.from(label).toString('base64url')}.dGFn`

describe('attack: replace or delete an open card on a care node', () => {
  let care: CareNode
  const id = newShlId()
  const patient = careSignerFor(crypto.getRandomValues(new Uint8Array(32)), 'set-in-beforeAll')
  let url: string
  let captured: { headers: Record<string, string>; body: string }

  beforeAll(async () => {
    care = await startCareNode({ port: await freePort(), http: { port: await freePort() }, identities: { registrationWorkBits: 8 }, reencryptThreads: 0 })
    Object.assign(patient, careSignerFor(crypto.getRandomValues(new Uint8Array(32)), care.peerId))
    url = shlFileUrl(care.httpUrl!, id)
    await putShlFile({ baseUrl: care.httpUrl!, peerId: care.peerId, signer: patient, id, jwe: jwe('allergic to penicillin') })
    // One more upload of the patient's, as an attacker on the wire would see it.
    const body = jwe('allergic to penicillin, v2')
    const auth = signCareRequest('shl', shlRequestBody('put', id, new TextEncoder().encode(body)), care.peerId, patient)
    captured = { headers: { 'salus-auth': encodeShlAuthHeader(auth) }, body }
    expect((await fetch(url, { method: 'PUT', headers: captured.headers, body })).status).toBe(201)
  })
  afterAll(async () => {
    await care?.stop()
  })

  const served = async () => (await fetch(`${url}?recipient=crew`)).text()

  it('an unsigned replace or delete changes nothing', async () => {
    const put = await fetch(url, { method: 'PUT', body: jwe('no allergies') })
    const remove = await fetch(url, { method: 'DELETE' })
    console.info('unsigned replace, delete answered', put.status, remove.status)
    expect([put.status, remove.status]).toEqual([401, 401])
    expect(await served()).toBe(jwe('allergic to penicillin, v2'))
  })

  it("the attacker's own registered identity cannot take the id over", async () => {
    const attacker = careSignerFor(crypto.getRandomValues(new Uint8Array(32)), care.peerId)
    const put = putShlFile({ baseUrl: care.httpUrl!, peerId: care.peerId, signer: attacker, id, jwe: jwe('no allergies') })
    await expect(put).rejects.toMatchObject({ code: 'not-owner', status: 403 })
    const auth = signCareRequest('shl', shlRequestBody('delete', id), care.peerId, { ...attacker, workBits: 8 })
    expect((await fetch(url, { method: 'DELETE', headers: { 'salus-auth': encodeShlAuthHeader(auth) } })).status).toBe(403)
    expect(await served()).toBe(jwe('allergic to penicillin, v2'))
  })

  it("the patient's captured upload can neither carry another file nor be replayed", async () => {
    const swapped = await fetch(url, { method: 'PUT', headers: captured.headers, body: jwe('no allergies') })
    expect(swapped.status).toBe(401)
    // The patient updates the card; replaying the captured (older) upload must not roll it back.
    await putShlFile({ baseUrl: care.httpUrl!, peerId: care.peerId, signer: patient, id, jwe: jwe('allergic to penicillin, v3') })
    const replayed = await fetch(url, { method: 'PUT', headers: captured.headers, body: captured.body })
    console.info('replayed upload answered', replayed.status, await replayed.text())
    expect(replayed.status).toBe(401)
    expect(await served()).toBe(jwe('allergic to penicillin, v3'))
  })
})
