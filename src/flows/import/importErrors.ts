import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

export class ImportReadError extends SalusError {
  override name = 'ImportReadError' as const
  constructor(parameters: SalusErrorParameters = {}) {
    super('This file could not be read for import, so nothing was added. Try again; if it fails again, the file may be damaged.', parameters)
  }
}
