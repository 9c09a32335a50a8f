import { SalusError } from '../../errors/salusError.ts'

/** An emergency summary broke an IPS rule; `problems` lists each one with its path. */
export class InvalidEmergencySummaryError extends SalusError {
  override name = 'InvalidEmergencySummaryError' as const
  readonly problems: readonly IpsProblem[]

  constructor(problems: readonly IpsProblem[], action = 'This emergency summary cannot be used') {
    const first = problems[0]
    super(
      `${action}: ${first ? `${first.path} ${first.problem}` : 'it is not a valid summary'}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''}. Rebuild it from the vault and publish it again.`,
      { details: problems.map((item) => `${item.path}: ${item.problem}`).join('\n') },
    )
    this.problems = problems
  }
}

export type IpsProblem = { path: string; problem: string }

/** The card's QR text is not a Salus emergency card, or it is damaged. */
export class EmergencyCardFormatError extends SalusError {
  override name = 'EmergencyCardFormatError' as const
  constructor(reason: string) {
    super(`This is not a readable Salus emergency card: ${reason}. Scan the card again, closer and in good light; if it still fails, the card is damaged or not a Salus card.`)
  }
}

/** The embedded minimum did not open: altered bytes, the wrong card, or not a minimum at all. */
export class EmergencyMinimumError extends SalusError {
  override name = 'EmergencyMinimumError' as const
  constructor(reason: string, parameters: { cause?: unknown } = {}) {
    super(`The emergency information stored in this card cannot be read: ${reason}. Rescan the card; if it still fails, it was altered or damaged, so rely on the full summary or ask the patient's contacts.`, parameters)
  }
}

/** The minimum does not fit the card even after everything optional was cut. */
export class EmergencyMinimumTooLargeError extends SalusError {
  override name = 'EmergencyMinimumTooLargeError' as const
  constructor(bytes: number, budget: number) {
    super(`The emergency information is ${bytes} bytes after trimming, more than the card holds (${budget}). Shorten the contact's name or the longest entries and try again.`)
  }
}

/** A SMART Health Link or its encrypted file is malformed, or did not decrypt. */
export class SmartHealthLinkError extends SalusError {
  override name = 'SmartHealthLinkError' as const
  constructor(reason: string, parameters: { cause?: unknown } = {}) {
    super(`This SMART Health Link cannot be opened: ${reason}.`, parameters)
  }
}
