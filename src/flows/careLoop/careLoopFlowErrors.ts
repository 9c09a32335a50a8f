import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'
import type { Scope } from '../../core/scopes.ts'
import { scopeLabels } from '../../core/scopes.ts'

/** The doctor cannot write this item back to this patient under this grant. */
export class WriteBackNotPossibleError extends SalusError {
  override name = 'WriteBackNotPossibleError' as const
  constructor(shortMessage: string, parameters: SalusErrorParameters = {}) {
    super(shortMessage, parameters)
  }

  static scopeNotGranted(scope: Scope): WriteBackNotPossibleError {
    return new WriteBackNotPossibleError(`This patient has not shared “${scopeLabels[scope]}” with you, so you cannot add a record there. Ask them for access first.`)
  }

  static noContact(): WriteBackNotPossibleError {
    return new WriteBackNotPossibleError('This patient’s consent was given before Salus could carry records back. Ask them to share again, then send it.')
  }
}
