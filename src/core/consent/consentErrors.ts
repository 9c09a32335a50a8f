import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

/** A key-fragment bundle that is not well formed, too large, or inconsistent with its keys. */
export class MalformedBundleError extends SalusError {
  override name = 'MalformedBundleError' as const
  constructor(details: string, parameters: SalusErrorParameters = {}) {
    super('The access grant’s key bundle is damaged or not a Salus bundle, so it cannot be used. Ask the patient to share again.', {
      ...parameters,
      details,
    })
  }
}

/** This proxy has no fragment in the bundle, or its fragment does not check out. */
export class NoKeyFragmentError extends SalusError {
  override name = 'NoKeyFragmentError' as const
  constructor(details: string, parameters: SalusErrorParameters = {}) {
    super('This care node holds no usable key fragment for the grant. The doctor should ask another care node.', {
      ...parameters,
      details,
    })
  }
}

/** A scope manifest or its signed head is malformed, forged or does not match. */
export class ManifestTamperedError extends SalusError {
  override name = 'ManifestTamperedError' as const
  constructor(details: string, parameters: SalusErrorParameters = {}) {
    super('The list of shared records has been altered or damaged, so it was not used. Try again later or ask the patient.', {
      ...parameters,
      details,
    })
  }
}

/** A re-encryption request that is malformed or not correctly signed. */
export class CapsuleRequestError extends SalusError {
  override name = 'CapsuleRequestError' as const
  readonly code: 'malformed' | 'too-large' | 'bad-signature'
  constructor(code: 'malformed' | 'too-large' | 'bad-signature', details: string, parameters: SalusErrorParameters = {}) {
    super(
      code === 'too-large'
        ? 'Too many records were asked for in one request to a care node. Open fewer at a time, or update Salus (it splits large openings).'
        : 'The request to unlock records was not valid. Reload Salus and try again.',
      { ...parameters, details },
    )
    this.code = code
  }
}
