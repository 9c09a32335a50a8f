import { describe, expect, it } from 'vitest'
import { checkWork, findWork, pinIdentity } from '../../src/crypto/pinIdentity.ts'
import { careSignerFor, hasRegistrationWork, registrationChallenge, signCareRequest, verifyCareAuth } from '../../src/p2p/careAuth.ts'

const seed = new Uint8Array(32).fill(4)
const node = '12D3KooWCareNodeA'
const body = { v: 2, op: 'pin', cids: ['bafkreia'] }

describe('care request signatures', () => {
  it('derives one key per care node from the patient seed, the same each time', () => {
    const a = pinIdentity(seed, node)
    expect(pinIdentity(seed, node).publicKey).toEqual(a.publicKey)
    expect(pinIdentity(seed, '12D3KooWCareNodeB').publicKey).not.toEqual(a.publicKey)
    expect(pinIdentity(new Uint8Array(32).fill(5), node).publicKey).not.toEqual(a.publicKey)
    expect(() => pinIdentity(new Uint8Array(31), node)).toThrow(/32 bytes/)
  })

  it('verifies a signed request for this node and time, and nothing else', () => {
    const now = 1_800_000_000
    const auth = signCareRequest('pin', body, node, careSignerFor(seed, node), now)
    expect(verifyCareAuth('pin', body, auth, { node, now })).toBeUndefined()
    expect(verifyCareAuth('pin', body, auth, { node: '12D3KooWCareNodeB', now })).toBe('wrong-node')
    expect(verifyCareAuth('pin', body, auth, { node, now: now + 121 })).toBe('stale')
    expect(verifyCareAuth('pin', { ...body, cids: ['bafkreib'] }, auth, { node, now })).toBe('bad-signature')
    expect(verifyCareAuth('head', body, auth, { node, now })).toBe('bad-signature')
    expect(verifyCareAuth('pin', body, { ...auth, key: pinIdentity(new Uint8Array(32).fill(9), node).publicKey }, { node, now })).toBe('bad-signature')
    expect(verifyCareAuth('pin', body, { ...auth, sig: new Uint8Array(64) }, { node, now })).toBe('bad-signature')
  })

  it('registration work is bound to the key and the node', () => {
    const auth = signCareRequest('pin', body, node, careSignerFor(seed, node, 8))
    expect(auth.work).toBeTypeOf('number')
    expect(hasRegistrationWork(auth, 8)).toBe(true)
    expect(hasRegistrationWork({ ...auth, node: '12D3KooWCareNodeB' }, 8)).toBe(checkWork(registrationChallenge(auth.key, '12D3KooWCareNodeB'), auth.work!, 8))
    expect(hasRegistrationWork({ ...auth, work: undefined }, 8)).toBe(false)
    const challenge = new Uint8Array(16).fill(1)
    const work = findWork(challenge, 10)
    expect(checkWork(challenge, work, 10)).toBe(true)
    expect(checkWork(challenge, work, 24)).toBe(false)
    expect(checkWork(challenge, -1, 0)).toBe(false)
  })
})
