import { SalusError } from '../../errors/salusError.ts'

type Parameters = { details?: string; cause?: unknown }

/** A signature, an AEAD tag or a content hash did not check out: the record was altered. */
export class RecordTamperedError extends SalusError {
  override name = 'RecordTamperedError' as const
  constructor(parameters: Parameters = {}) {
    super('This record has been altered since it was written, so it was not opened. Ask its owner for a fresh copy.', parameters)
  }
}

/** The data key could not be unwrapped: not this scope's key, an old epoch, or revoked access. */
export class WrongScopeKeyError extends SalusError {
  override name = 'WrongScopeKeyError' as const
  constructor(parameters: Parameters = {}) {
    super('Your key does not open this record. The patient may have rotated or revoked access to this part of the record.', parameters)
  }
}

/** The record belongs to a scope other than the one the caller was granted or expected. */
export class ScopeMismatchError extends SalusError {
  override name = 'ScopeMismatchError' as const
  constructor(parameters: { expected: string; actual: string }) {
    super(`This record belongs to "${parameters.actual}", not "${parameters.expected}", so it was not opened.`, {
      details: `expected scope ${parameters.expected}, envelope says ${parameters.actual}`,
    })
  }
}

/** The envelope is not a Salus envelope we can read (wrong shape, type or size). */
export class MalformedEnvelopeError extends SalusError {
  override name = 'MalformedEnvelopeError' as const
  constructor(parameters: Parameters = {}) {
    super('This is not a readable Salus record. It may come from a newer version of Salus or be damaged.', parameters)
  }
}

/** The resource or attachment cannot be sealed as given. */
export class RecordTooLargeError extends SalusError {
  override name = 'RecordTooLargeError' as const
  constructor(parameters: Parameters = {}) {
    super('This record is too large to store as one entry. Attach large files as documents instead.', parameters)
  }
}

/** The attachment stream produced a different number of bytes than it declared. */
export class AttachmentSizeMismatchError extends SalusError {
  override name = 'AttachmentSizeMismatchError' as const
  constructor(parameters: { declared: number; actual: number }) {
    super('The file changed or was cut short while it was being saved. Try attaching it again.', {
      details: `attachment declared ${parameters.declared} bytes but produced ${parameters.actual}`,
    })
  }
}
