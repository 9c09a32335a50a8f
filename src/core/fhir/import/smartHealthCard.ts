import { p256 } from '@noble/curves/nist.js'
import { inflateRaw } from '../../emergency/deflate.ts'
import { fromBase64url } from '../../emergency/shl.ts'
import type { SmartHealthCardVerification } from './importPlan.ts'
import { knownIssuers, type KnownIssuer } from './smartHealthCardIssuers.ts'

export type ReadSmartHealthCardReturnType =
  | { kind: 'bundle'; bundle: Record<string, unknown>; verification: SmartHealthCardVerification }
  | { kind: 'refused'; reason: string; verification?: SmartHealthCardVerification }

/** A card's payload is a few KB (it must fit QR codes); more is refused before inflating further. */
const maxJwsChars = 1024 * 1024
const maxInflatedBytes = 4 * 1024 * 1024
const maxCredentials = 50
const decoder = new TextDecoder('utf-8', { fatal: true })

class CardProblem extends Error {}
const fail = (reason: string): never => {
  throw new CardProblem(reason)
}

/** `shc:/56762909…` (one QR code) or `shc:/1/3/…` chunks (in any order, one per line) → the JWS. */
export function numericToJws(text: string): string {
  const lines = text.split(/\s+/).filter((line) => line !== '')
  const chunks = new Map<number, string>()
  let expected = 1
  for (const line of lines) {
    const match = /^shc:\/(?:(\d+)\/(\d+)\/)?(\d+)$/.exec(line)
    if (!match) fail('a shc:/ line holds something other than digits; scan the QR code again')
    const [, index = '1', count = '1', digits = ''] = match!
    expected = Number(count)
    if (digits.length % 2 !== 0) fail('a shc:/ code has an odd number of digits; it was cut short')
    let jws = ''
    for (let at = 0; at < digits.length; at += 2) jws += String.fromCharCode(Number(digits.slice(at, at + 2)) + 45)
    chunks.set(Number(index), jws)
  }
  if (chunks.size !== expected) fail(`the card has ${expected} QR codes and ${chunks.size} were read; scan every one of them`)
  return [...Array(expected).keys()].map((n) => chunks.get(n + 1) ?? fail(`QR code ${n + 1} of ${expected} is missing`)).join('')
}

function verify(signingInput: string, signature: Uint8Array, key: KnownIssuer['keys'][number]): boolean {
  const x = fromBase64url(key.x)
  const y = fromBase64url(key.y)
  if (!x || !y || x.length !== 32 || y.length !== 32 || signature.length !== 64) return false
  const publicKey = new Uint8Array(65)
  publicKey[0] = 4
  publicKey.set(x, 1)
  publicKey.set(y, 33)
  try {
    return p256.verify(signature, new TextEncoder().encode(signingInput), publicKey, { prehash: true, lowS: false })
  } catch {
    return false
  }
}

type Credential = { bundle: Record<string, unknown>; verification: SmartHealthCardVerification; forged: boolean }

async function readJws(jws: string): Promise<Credential> {
  if (jws.length > maxJwsChars) fail('the card is far larger than any real card')
  const parts = jws.split('.')
  if (parts.length !== 3) fail('the card is not a signed JWS (three parts separated by dots)')
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string]
  let header: { alg?: unknown; zip?: unknown; kid?: unknown }
  try {
    header = JSON.parse(decoder.decode(fromBase64url(headerPart) ?? fail('bad header')))
  } catch {
    return fail('the card header is not readable')
  }
  if (header.alg !== 'ES256') fail(`the card is signed with ${String(header.alg).slice(0, 20)}, not ES256 as SMART Health Cards are`)
  const compressed = fromBase64url(payloadPart) ?? fail('the card payload is not base64url')
  const signature = fromBase64url(signaturePart) ?? fail('the card signature is not base64url')
  let payload: { iss?: unknown; nbf?: unknown; vc?: { credentialSubject?: { fhirBundle?: unknown } } }
  try {
    const bytes = header.zip === 'DEF' ? await inflateRaw(compressed, maxInflatedBytes) : compressed
    payload = JSON.parse(decoder.decode(bytes))
  } catch {
    return fail('the card payload does not decompress to JSON')
  }
  const bundle = payload.vc?.credentialSubject?.fhirBundle
  if (typeof bundle !== 'object' || bundle === null || (bundle as { resourceType?: unknown }).resourceType !== 'Bundle') fail('the card holds no FHIR Bundle')
  const iss = typeof payload.iss === 'string' ? payload.iss.slice(0, 200) : 'an unnamed issuer'
  const issuer = knownIssuers.find((known) => known.iss === iss)
  const key = issuer?.keys.find((candidate) => candidate.kid === header.kid)
  const base = { kind: 'smart-health-card' as const, issuer: iss }
  if (!issuer) {
    return { bundle: bundle as Record<string, unknown>, forged: false, verification: { ...base, verified: false, detail: `Not verified: Salus does not carry the public key of ${iss}, so the signature could not be checked.` } }
  }
  if (!key) {
    return { bundle: bundle as Record<string, unknown>, forged: false, verification: { ...base, verified: false, detail: `Not verified: ${issuer.name} has no key named ${String(header.kid).slice(0, 60)} among those Salus carries.` } }
  }
  if (!verify(`${headerPart}.${payloadPart}`, signature, key)) {
    return { bundle: bundle as Record<string, unknown>, forged: true, verification: { ...base, verified: false, detail: `The signature does not match the key of ${issuer.name}: the card was changed after it was signed, or forged.` } }
  }
  return { bundle: bundle as Record<string, unknown>, forged: false, verification: { ...base, verified: true, detail: `Signed by ${issuer.name} (key ${key.kid}).` } }
}

/**
 * A SMART Health Card, as a `.smart-health-card` file (`{"verifiableCredential":[jws…]}`) or
 * the `shc:/` text of its QR codes: the JWS is decoded (DEFLATE payload), its ES256 signature
 * checked against the issuer's key when Salus carries it, and its FHIR Bundle returned with
 * what the check found. A forged card (signature not matching a known key) is refused.
 */
export async function readSmartHealthCard(text: string, { fileName }: { fileName: string }): Promise<ReadSmartHealthCardReturnType> {
  try {
    let jwsList: string[]
    if (text.startsWith('shc:/')) jwsList = [numericToJws(text)]
    else {
      const json = JSON.parse(text) as { verifiableCredential?: unknown }
      const list = json.verifiableCredential
      if (!Array.isArray(list) || list.length === 0 || list.length > maxCredentials || list.some((item) => typeof item !== 'string')) {
        fail('verifiableCredential must be a list of signed cards (JWS text)')
      }
      jwsList = list as string[]
    }
    const credentials = await Promise.all(jwsList.map(readJws))
    const forged = credentials.find((credential) => credential.forged)
    if (forged) {
      return { kind: 'refused', reason: `${fileName}: ${forged.verification.detail} Nothing from it is imported.`, verification: forged.verification }
    }
    const first = credentials[0]!
    const entry = credentials.flatMap(({ bundle }) => (Array.isArray(bundle.entry) ? bundle.entry : []))
    const bundle = credentials.length === 1 ? first.bundle : { resourceType: 'Bundle', type: 'collection', entry }
    const unverified = credentials.find((credential) => !credential.verification.verified)
    return { kind: 'bundle', bundle, verification: unverified?.verification ?? first.verification }
  } catch (error) {
    const why = error instanceof CardProblem ? error.message : 'it is not valid JSON'
    return { kind: 'refused', reason: `${fileName} is not a readable SMART Health Card: ${why}.` }
  }
}
