import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

/** Too few care nodes took the records, heads or bundle: access would not survive the patient going offline. */
export class CareNodesUnavailableError extends SalusError {
  override name = 'CareNodesUnavailableError' as const
  constructor(shortMessage: string, parameters: SalusErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}

/** The directory lists too few care nodes to protect a grant (t of n). */
export class TooFewProxiesError extends SalusError {
  override name = 'TooFewProxiesError' as const
  constructor(needed: number, listed: number) {
    super(`Fewer than ${needed} care nodes are listed in the directory (${listed}), so access cannot be protected. Try again later.`)
  }
}
