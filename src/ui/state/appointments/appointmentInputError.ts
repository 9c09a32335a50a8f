import { SalusError } from '../../../errors/salusError.ts'

/** A form value on the appointments, schedule or insurance pages is missing or out of range; `field` names the input. */
export class AppointmentInputError extends SalusError {
  override name = 'AppointmentInputError' as const
  readonly field: string
  constructor(field: string, shortMessage: string) {
    super(shortMessage)
    this.field = field
  }
}
