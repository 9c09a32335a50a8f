// Break-glass requests (issue 13): the capsule request v3 and the head read carry the
// responder's pass, signed by the card key and by the pass's session key; the pass is
// an EIP-712 signature binding one session key to one grant on one deployment.
import * as dagCbor from '@ipld/dag-cbor'
import * as umbral from '@nucypher/umbral-pre'
import { hexToBytes, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import {
  breakGlassRequestVersion,
  encodeCapsuleRequest,
  parseCapsuleRequest,
  signCapsuleRequest,
  verifyCapsuleRequestSignature,
  verifyResponderRequestSignature,
} from '../../src/core/consent/capsuleRequest.ts'
import { encodeHeadReadGrant, parseHeadReadGrant, signHeadRead, verifyHeadReadResponderSignature, verifyHeadReadSignature } from '../../src/core/consent/headReadRequest.ts'
import { responderPassSigner, responderPassTypedData, type ResponderCredential } from '../../src/core/consent/responderPass.ts'
import { cardKeys } from '../../src/core/emergency/cardKeys.ts'
import { wrapDataKey } from '../../src/crypto/umbral.ts'

const responderAccount = privateKeyToAccount('0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e')
const deployment = { chainId: 31337, consent: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address }
const card = new umbral.Signer(umbral.SecretKey.random())
const cardKey = card.verifyingKey().toCompressedBytes()
const capsule = wrapDataKey(umbral.SecretKey.random().publicKey(), new Uint8Array(32)).capsule
const wire = (value: unknown) => dagCbor.decode(dagCbor.encode(value))

async function credential(grantId: bigint, o: { expires?: number; on?: typeof deployment } = {}): Promise<ResponderCredential> {
  const signer = new umbral.Signer(umbral.SecretKey.random())
  const sessionKey = signer.verifyingKey().toCompressedBytes()
  const expires = o.expires ?? Math.floor(Date.now() / 1000) + 600
  const signature = await responderAccount.signTypedData(responderPassTypedData(o.on ?? deployment, { grantId, sessionKey, expires }))
  return { pass: { account: responderAccount.address, sessionKey, expires, signature: hexToBytes(signature) }, signer }
}

describe('break-glass capsule request (v3)', () => {
  it('is signed by the card key and by the session key over every field, the pass included', async () => {
    const responder = await credential(7n)
    const request = signCapsuleRequest(card, { grantId: 7n, scope: 'summary', epoch: 0, capsules: [capsule], responder })
    const parsed = parseCapsuleRequest(wire(encodeCapsuleRequest(request)))
    expect(parsed.v).toBe(breakGlassRequestVersion)
    expect(verifyCapsuleRequestSignature(parsed, cardKey)).toBe(true)
    expect(verifyResponderRequestSignature(parsed)).toBe(true)
    const other = await credential(7n)
    // Another pass (another session key) in the same request: neither signature holds.
    const swapped = { ...parsed, responder: other.pass }
    expect(verifyCapsuleRequestSignature(swapped, cardKey)).toBe(false)
    expect(verifyResponderRequestSignature(swapped)).toBe(false)
    expect(await responderPassSigner(parsed.responder!, deployment, 7n)).toBe(responderAccount.address)
  })

  it('binds the pass to one grant and one deployment', async () => {
    const { pass } = await credential(7n)
    expect(await responderPassSigner(pass, deployment, 8n)).toBeUndefined()
    expect(await responderPassSigner(pass, { ...deployment, chainId: 1 }, 7n)).toBeUndefined()
    expect(await responderPassSigner(pass, { ...deployment, consent: '0x0000000000000000000000000000000000000001' }, 7n)).toBeUndefined()
    expect(await responderPassSigner({ ...pass, expires: pass.expires + 1 }, deployment, 7n)).toBeUndefined()
    expect(await responderPassSigner({ ...pass, account: '0x0000000000000000000000000000000000000002' }, deployment, 7n)).toBeUndefined()
  })

  it('rejects a v3 request without its pass, a v2 request with one, unknown fields and bad sizes', async () => {
    const responder = await credential(7n)
    const good = wire(encodeCapsuleRequest(signCapsuleRequest(card, { grantId: 7n, scope: 'summary', epoch: 0, capsules: [capsule], responder }))) as Record<string, unknown>
    const pass = good.responder as Record<string, unknown>
    const { responder: _r, responderSignature: _s, ...withoutPass } = good
    const malformed: unknown[] = [
      withoutPass,
      { ...good, v: 2 },
      { ...good, extra: 1 },
      { ...good, responderSignature: new Uint8Array(65) },
      { ...good, responder: { ...pass, sessionKey: new Uint8Array(32) } },
      { ...good, responder: { ...pass, signature: new Uint8Array(64) } },
      { ...good, responder: { ...pass, account: 'not an address' } },
      { ...good, responder: { ...pass, expires: -1 } },
      { ...good, responder: { ...pass, more: 1 } },
      { ...good, responder: 'pass' },
    ]
    for (const value of malformed) expect(() => parseCapsuleRequest(value), JSON.stringify(Object.keys(value as object))).toThrow(expect.objectContaining({ name: 'CapsuleRequestError', code: 'malformed' }))
  })
})

describe('break-glass head read', () => {
  const author = new umbral.Signer(umbral.SecretKey.random()).verifyingKey().toCompressedBytes()
  const fail = (details: string): never => {
    throw new Error(details)
  }

  it('carries the pass, signed by the card key and the session key; a plain read keeps its form', async () => {
    const responder = await credential(9n)
    const grant = parseHeadReadGrant(wire(encodeHeadReadGrant(signHeadRead(card, { grantId: 9n, author, scope: 'summary', responder }))), fail)
    expect(grant.responder?.account).toBe(responderAccount.address)
    expect(verifyHeadReadSignature(grant, { author, scope: 'summary' }, cardKey)).toBe(true)
    expect(verifyHeadReadResponderSignature(grant, { author, scope: 'summary' })).toBe(true)
    expect(verifyHeadReadSignature(grant, { author, scope: 'allergies' }, cardKey)).toBe(false)
    // Without its pass the card's signature does not hold (another domain): a pass cannot be stripped or added.
    const { responder: _r, responderSignature: _s, ...stripped } = grant
    expect(verifyHeadReadSignature(stripped, { author, scope: 'summary' }, cardKey)).toBe(false)
    const plain = parseHeadReadGrant(wire(encodeHeadReadGrant(signHeadRead(card, { grantId: 9n, author, scope: 'summary' }))), fail)
    expect(plain.responder).toBeUndefined()
    expect(verifyHeadReadSignature(plain, { author, scope: 'summary' }, cardKey)).toBe(true)
    expect(verifyHeadReadResponderSignature(plain, { author, scope: 'summary' })).toBe(false)
  })

  it('rejects a pass without its session signature', async () => {
    const responder = await credential(9n)
    const encoded = wire(encodeHeadReadGrant(signHeadRead(card, { grantId: 9n, author, scope: 'summary', responder }))) as Record<string, unknown>
    const { responderSignature: _s, ...withoutSignature } = encoded
    expect(() => parseHeadReadGrant(withoutSignature, fail)).toThrow(/responderSignature/)
    expect(() => parseHeadReadGrant({ ...encoded, other: 1 }, fail)).toThrow(/unexpected field/)
  })
})

describe('card keys', () => {
  it('derive one account, one Umbral seed and one minimum key per secret, all different', () => {
    const secret = new Uint8Array(32).fill(7)
    const a = cardKeys(secret)
    expect(cardKeys(new Uint8Array(32).fill(7))).toEqual(a)
    const b = cardKeys(new Uint8Array(32).fill(8))
    expect(b.accountPrivateKey).not.toBe(a.accountPrivateKey)
    expect(new Set([a.accountPrivateKey, `0x${Buffer.from(a.umbralSeed).toString('hex')}`, `0x${Buffer.from(a.minimumKey).toString('hex')}`]).size).toBe(3)
    expect(a.umbralSeed).toHaveLength(32)
    expect(a.minimumKey).toHaveLength(32)
    expect(() => privateKeyToAccount(a.accountPrivateKey)).not.toThrow()
  })

  it('refuse a secret of the wrong size', () => {
    expect(() => cardKeys(new Uint8Array(31))).toThrow(/32 bytes/)
  })
})
