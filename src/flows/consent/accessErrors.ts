import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

/** Sharing needs the chain's Consent contract and peer-to-peer networking; one of them is missing. */
export class SharingUnavailableError extends SalusError {
  override name = 'SharingUnavailableError' as const
  constructor(shortMessage: string, parameters: SalusErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}

/** The grant was revoked or has expired: the doctor cannot open the records any more. */
export class AccessEndedError extends SalusError {
  override name = 'AccessEndedError' as const
  readonly reason: 'revoked' | 'expired'
  constructor(reason: 'revoked' | 'expired', parameters: SalusErrorParameters = {}) {
    super(
      reason === 'revoked'
        ? 'The patient revoked your access to these records. Ask them for a new consent if you still need it.'
        : 'Your access to these records has expired. Ask the patient for a new consent if you still need it.',
      parameters,
    )
    this.reason = reason
  }
}
