import { SalusError } from '../../errors/salusError.ts'

/** A FHIR document broke a rule of R4 (or one of our limits). `path` is FHIRPath-like. */
export class FhirValidationError extends SalusError {
  override name = 'FhirValidationError' as const
  readonly path: string
  readonly reason: string

  constructor(path: string, reason: string) {
    super(`This is not a valid FHIR R4 record: ${path} ${reason}.`)
    this.path = path
    this.reason = reason
  }
}

/** A record form was filled in wrongly; the message names the field and what to fix. */
export class FormInputError extends SalusError {
  override name = 'FormInputError' as const
  readonly field: string

  constructor(field: string, sentence: string) {
    super(sentence)
    this.field = field
  }
}
