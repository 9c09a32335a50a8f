import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

/** Why a proxy refused to re-encrypt (sent as `code` on /salus/pre/1.0.0), plus client-side failures. */
export const preRefusalCodes = [
  'malformed',
  'too-large',
  'bad-signature',
  'unknown-grant',
  'revoked',
  'expired',
  'scope-not-granted',
  'no-session',
  'no-fragment',
  'not-bound',
  'stale-request',
  'rate-limited',
  'internal',
  // Break-glass reads of emergency cards (issue 13).
  'not-emergency-grant',
  'not-responder',
  'no-break-glass',
] as const
export type PreRefusalCode = (typeof preRefusalCodes)[number]
export type ProxyFailureCode = PreRefusalCode | 'unreachable' | 'timeout' | 'bad-response' | 'forged-fragment'

export function isPreRefusalCode(value: unknown): value is PreRefusalCode {
  return typeof value === 'string' && (preRefusalCodes as readonly string[]).includes(value)
}

const shortMessages: Record<ProxyFailureCode, string> = {
  malformed: 'The care node did not understand the request. Update Salus and try again.',
  'too-large': 'Too many records were requested at once. Open fewer records at a time.',
  'bad-signature': 'The care node did not accept your signature. Check that your directory entry has your current key.',
  'unknown-grant': 'This access grant is not on the chain (yet). Wait for the grant transaction to confirm, then try again.',
  revoked: 'The patient revoked your access. Records you already opened stay on screen until you close them.',
  expired: 'Your access to these records has expired. Ask the patient for a new grant.',
  'scope-not-granted': 'The patient did not share this part of the record with you.',
  'no-session': 'No access session is logged on the chain. Start a session, then open the records again.',
  'no-fragment': 'This care node holds no key fragment for the grant. Salus will try the other care nodes.',
  'not-bound': 'The care node refused: this grant’s key bundle was not made by the patient for this grant. Ask the patient for a new consent.',
  'stale-request': 'The request was too old or was already used. Check your computer’s clock and try again.',
  'rate-limited': 'Too many requests were sent to the care node. Wait a moment and try again.',
  internal: 'The care node had a problem. Try again later.',
  'not-emergency-grant': 'This is not an emergency card: a break-glass read opens only a patient’s emergency summary.',
  'not-responder': 'Only a certified responder can read an emergency card. Ask your EMS authority to certify this account.',
  'no-break-glass': 'No break-glass is logged on the chain for this card within the last hour. Open the card again to log one.',
  unreachable: 'The care node could not be reached. Check your connection.',
  timeout: 'The care node took too long to answer. Try again.',
  'bad-response': 'The care node sent an answer Salus could not read.',
  'forged-fragment': 'The care node sent key fragments that failed verification; they were ignored.',
}

/** One proxy did not deliver verified capsule fragments; `code` says why. */
export class ProxyRefusedError extends SalusError {
  override name = 'ProxyRefusedError' as const
  readonly code: ProxyFailureCode
  constructor(code: ProxyFailureCode, details: string, parameters: SalusErrorParameters = {}) {
    super(shortMessages[code], { ...parameters, details })
    this.code = code
  }
}

/**
 * Fewer than the threshold of proxies delivered verified fragments. `code` is the
 * reason the person must act on (revoked, expired, …) when the proxies agree on one.
 */
export class SharedAccessError extends SalusError {
  override name = 'SharedAccessError' as const
  readonly code: ProxyFailureCode | 'not-enough-proxies'
  readonly failures: { proxy: string; code: ProxyFailureCode }[]
  constructor(failures: { proxy: string; code: ProxyFailureCode }[], parameters: SalusErrorParameters = {}) {
    const code = decisiveCode(failures)
    super(
      code === 'not-enough-proxies'
        ? 'Not enough care nodes answered to unlock this record. Try again later, or ask the patient to keep their tab open.'
        : shortMessages[code],
      { ...parameters, details: parameters.details ?? failures.map((f) => `${f.proxy}: ${f.code}`).join(', ') },
    )
    this.code = code
    this.failures = failures
  }
}

/** The grant's own state decides; network trouble and lying proxies do not. */
const decisive: ProxyFailureCode[] = ['revoked', 'expired', 'scope-not-granted', 'no-session', 'unknown-grant', 'bad-signature', 'stale-request']

function decisiveCode(failures: { code: ProxyFailureCode }[]): ProxyFailureCode | 'not-enough-proxies' {
  for (const code of decisive) if (failures.some((f) => f.code === code)) return code
  return 'not-enough-proxies'
}

/** The record is in a scope, or an epoch, the grant does not cover. */
export class NotSharedError extends SalusError {
  override name = 'NotSharedError' as const
  constructor(details: string) {
    super('This record is not part of what the patient shared with you.', { details })
  }
}
