import { bytesToHex, hexToBytes, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import {
  AccessRequestInputError,
  AccessRequestRefusedError,
  accessRequestLifetimeSeconds,
  accessRequestTypedData,
  buildAccessRequest,
  checkAccessRequest,
  decodeAccessRequest,
  encodeAccessRequest,
  maxAccessRequestBytes,
  type SignedAccessRequest,
} from '../../src/core/careLoop/accessRequest.ts'
import { parseRequestCode, requestCodeText } from '../../src/core/careLoop/requestCode.ts'
import { requestMailbox, requestMailboxKey } from '../../src/core/careLoop/requestMailboxKey.ts'
import { decodeRequestAnswer, encodeRequestAnswer, RequestAnswerError } from '../../src/core/careLoop/requestAnswer.ts'
import { careLoopDomains, openSealed, sealToAddress, SealedPayloadError } from '../../src/core/careLoop/sealedPayload.ts'
import { CareLoopInputError } from '../../src/core/careLoop/careLoopErrors.ts'
import { encodeBech32m } from '../../src/core/bech32m.ts'

const seed = new Uint8Array(32).fill(7)
const otherSeed = new Uint8Array(32).fill(8)
const domain = { chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const }
const doctor = privateKeyToAccount(generatePrivateKey())
const now = 1_800_000_000

async function signed(overrides: Partial<Parameters<typeof buildAccessRequest>[0]> = {}, signer = doctor): Promise<SignedAccessRequest> {
  const request = buildAccessRequest({ to: requestMailbox(seed).address, doctor: doctor.address, scopes: ['labs', 'allergies'], reason: 'Follow-up of your blood tests', durationDays: 30, now, ...overrides })
  return { kind: 'access-request', request, signature: await signer.signTypedData(accessRequestTypedData(request, domain)) }
}

const check = (overrides: Partial<Parameters<typeof checkAccessRequest>[1]> = {}) => ({ ...domain, to: requestMailbox(seed).address, now, seen: () => false, ...overrides })

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(AccessRequestRefusedError)
  return (error as AccessRequestRefusedError).reason
}

describe('the patient’s request code', () => {
  it('names the request mailbox (not the identity), reads back, and differs per rotation and per patient', () => {
    const { address } = requestMailbox(seed)
    const code = requestCodeText(address)
    expect(code).toMatch(/^salusreq1[02-9ac-hj-np-z]{59}$/)
    expect(parseRequestCode(` ${code.toUpperCase()} `)).toEqual(address)
    expect(requestCodeText(requestMailbox(seed, 1).address)).not.toBe(code)
    expect(requestCodeText(requestMailbox(otherSeed).address)).not.toBe(code)
  })

  it('refuses a typo, another kind of code and junk with a sentence saying what to do', () => {
    const code = requestCodeText(requestMailbox(seed).address)
    const typo = code.slice(0, 20) + (code[20] === 'q' ? 'p' : 'q') + code.slice(21)
    expect(() => parseRequestCode(typo)).toThrow(/typo/)
    expect(() => parseRequestCode('')).toThrow(CareLoopInputError)
    expect(() => parseRequestCode(encodeBech32m('salusid', new Uint8Array(32).fill(1)))).toThrow(/salusreq1/)
    expect(() => parseRequestCode('x'.repeat(300))).toThrow(/too long/)
  })
})

describe('sealed payloads', () => {
  it('open only with the mailbox’s secret key and under their own kind', () => {
    const { address } = requestMailbox(seed)
    const sealed = sealToAddress(address, careLoopDomains.accessRequest, new TextEncoder().encode('hello'))
    const key = requestMailboxKey(seed)
    expect(new TextDecoder().decode(openSealed(key, careLoopDomains.accessRequest, sealed))).toBe('hello')
    expect(openSealed(requestMailboxKey(otherSeed), careLoopDomains.accessRequest, sealed)).toBeUndefined()
    // Another kind sharing the mailbox (a consent, an answer) does not open as a request, and the reverse.
    expect(openSealed(key, careLoopDomains.consent, sealed)).toBeUndefined()
    const flipped = sealed.slice()
    flipped[flipped.length - 1]! ^= 1
    expect(openSealed(key, careLoopDomains.accessRequest, flipped)).toBeUndefined()
    expect(() => openSealed(key, careLoopDomains.accessRequest, new Uint8Array(10))).toThrow(SealedPayloadError)
  })
})

describe('access requests', () => {
  it('round-trip through encoding and pass the checks when signed by the doctor they name', async () => {
    const request = await signed()
    const decoded = decodeAccessRequest(encodeAccessRequest(request))
    expect(decoded).toEqual(request)
    expect(decoded.request.scopes).toEqual(['allergies', 'labs'])
    await expect(checkAccessRequest(decoded, check())).resolves.toBeUndefined()
  })

  it('refuses a forged signature, another signer, and a tampered field', async () => {
    const request = await signed()
    const mallory = privateKeyToAccount(generatePrivateKey())
    expect(await refusal(checkAccessRequest(await signed({}, mallory), check()))).toBe('forged')
    const tampered = { ...request, request: { ...request.request, scopes: [...request.request.scopes, 'notes' as const] } }
    expect(await refusal(checkAccessRequest(tampered, check()))).toBe('forged')
    const badSignature = { ...request, signature: `0x${'11'.repeat(65)}` as Hex }
    expect(await refusal(checkAccessRequest(badSignature, check()))).toBe('forged')
    // Signed for another chain: refused here.
    const elsewhere = { ...request, signature: await doctor.signTypedData(accessRequestTypedData(request.request, { ...domain, chainId: 1 })) }
    expect(await refusal(checkAccessRequest(elsewhere, check()))).toBe('forged')
  })

  it('refuses an expired, a future-dated, a replayed and a misdirected request', async () => {
    const request = await signed()
    expect(await refusal(checkAccessRequest(request, check({ now: now + accessRequestLifetimeSeconds + 1 })))).toBe('expired')
    expect(await refusal(checkAccessRequest(request, check({ now: now - 3600 })))).toBe('expired')
    expect(await refusal(checkAccessRequest(request, check({ seen: (nonce) => nonce === request.request.nonce })))).toBe('replayed')
    expect(await refusal(checkAccessRequest(request, check({ to: requestMailbox(otherSeed).address })))).toBe('misdirected')
  })

  it('decodes strictly: unknown fields, wrong types, oversize and non-JSON are malformed', async () => {
    const request = await signed()
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
    const reasons = (bytes: Uint8Array) => {
      try {
        decodeAccessRequest(bytes)
        return 'accepted'
      } catch (error) {
        return (error as AccessRequestRefusedError).reason
      }
    }
    expect(reasons(encode({ ...request, extra: 1 }))).toBe('malformed')
    expect(reasons(encode({ ...request, request: { ...request.request, durationDays: 0 } }))).toBe('malformed')
    expect(reasons(encode({ ...request, request: { ...request.request, durationDays: '30' } }))).toBe('malformed')
    expect(reasons(encode({ ...request, request: { ...request.request, scopes: ['labs', 'labs'] } }))).toBe('malformed')
    expect(reasons(encode({ ...request, request: { ...request.request, scopes: ['secrets'] } }))).toBe('malformed')
    expect(reasons(encode({ ...request, request: { ...request.request, to: bytesToHex(hexToBytes(request.request.to).slice(1)) } }))).toBe('malformed')
    expect(reasons(encode({ ...request, request: { ...request.request, reason: 'x'.repeat(501) } }))).toBe('malformed')
    expect(reasons(new Uint8Array([0xff, 0xfe]))).toBe('malformed')
    expect(reasons(new Uint8Array(maxAccessRequestBytes + 1))).toBe('too-large')
  })

  it('refuses to build a request the patient would refuse', () => {
    const to = requestMailbox(seed).address
    expect(() => buildAccessRequest({ to, doctor: doctor.address, scopes: [], reason: 'x', durationDays: 30 })).toThrow(AccessRequestInputError)
    expect(() => buildAccessRequest({ to, doctor: doctor.address, scopes: ['labs'], reason: '  ', durationDays: 30 })).toThrow(AccessRequestInputError)
    expect(() => buildAccessRequest({ to, doctor: doctor.address, scopes: ['labs'], reason: 'x', durationDays: 400 })).toThrow(AccessRequestInputError)
  })
})

describe('answers to a request', () => {
  it('round-trip and refuse anything else', () => {
    const answer = { v: 1, kind: 'request-answer', nonce: `0x${'ab'.repeat(32)}`, outcome: 'declined', reason: 'Not now', at: now } as const
    expect(decodeRequestAnswer(encodeRequestAnswer(answer))).toEqual(answer)
    expect(() => decodeRequestAnswer(new TextEncoder().encode(JSON.stringify({ ...answer, outcome: 'maybe' })))).toThrow(RequestAnswerError)
    expect(() => decodeRequestAnswer(new TextEncoder().encode(JSON.stringify({ ...answer, grantId: 3 })))).toThrow(RequestAnswerError)
  })
})
