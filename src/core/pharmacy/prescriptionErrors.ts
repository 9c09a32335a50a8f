import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

/** The text or QR code is not a readable Salus prescription, or it is damaged: nothing of it is used. */
export class PrescriptionFormatError extends SalusError {
  override name = 'PrescriptionFormatError' as const
  constructor(reason: string, parameters: SalusErrorParameters = {}) {
    super(`This is not a readable Salus prescription: ${reason}. Scan the code again, closer and in good light; if it still fails, ask the patient to send it from their vault or the doctor to issue it again.`, parameters)
  }
}

/** A prescription token that cannot be made or used as given (bad values, or the signature is not the named doctor's). */
export class PrescriptionInvalidError extends SalusError {
  override name = 'PrescriptionInvalidError' as const
  readonly field: string
  constructor(field: string, shortMessage: string, parameters: SalusErrorParameters = {}) {
    super(shortMessage, parameters)
    this.field = field
  }
}
