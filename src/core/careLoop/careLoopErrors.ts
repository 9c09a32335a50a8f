import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

/** A form field or pasted code the person can correct; `field` names it. */
export class CareLoopInputError extends SalusError {
  override name = 'CareLoopInputError' as const
  readonly field: string
  constructor(field: string, shortMessage: string, parameters: SalusErrorParameters = {}) {
    super(shortMessage, parameters)
    this.field = field
  }
}
