import { SalusError } from '../errors/salusError.ts'

/** Any authenticated-decryption failure: altered ciphertext, wrong key or aad, truncated or reordered stream. */
export class DecryptionFailedError extends SalusError {
  override name = 'DecryptionFailedError' as const
  constructor(parameters: { details?: string; cause?: unknown } = {}) {
    super('This data could not be decrypted: it was altered, or the key is wrong.', parameters)
  }
}
