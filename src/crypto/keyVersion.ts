import { SalusError } from '../errors/salusError.ts'

/** Key versions: 1 at first; each rotation after a compromise moves to the next (src/core/keys/deriveKeys.ts). */
export const firstKeyVersion = 1
/** Versions are small counters; the bound keeps labels and stored records sane. */
export const maxKeyVersion = 1_000_000

export class InvalidKeyVersionError extends SalusError {
  override name = 'InvalidKeyVersionError' as const
  constructor(keyVersion: unknown) {
    super(`Key version ${String(keyVersion)} is not valid: it is a whole number from 1 to ${maxKeyVersion}.`)
  }
}

export function checkKeyVersion(keyVersion: number): number {
  if (!Number.isSafeInteger(keyVersion) || keyVersion < firstKeyVersion || keyVersion > maxKeyVersion) {
    throw new InvalidKeyVersionError(keyVersion)
  }
  return keyVersion
}
