/**
 * One error hierarchy for Salus. `shortMessage` is a sentence a patient or doctor
 * can act on (the UI shows it); `details` and `cause` are for the console.
 */
export type SalusErrorParameters = {
  cause?: unknown
  details?: string
}

export class SalusError extends Error {
  override name: string = 'SalusError'
  readonly shortMessage: string
  readonly details: string | undefined

  constructor(shortMessage: string, parameters: SalusErrorParameters = {}) {
    const details =
      parameters.details ??
      (parameters.cause instanceof Error ? parameters.cause.message : undefined)
    super(details ? `${shortMessage}\n\nDetails: ${details}` : shortMessage, {
      cause: parameters.cause,
    })
    this.shortMessage = shortMessage
    this.details = details
  }
}

/** The message to show a person for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof SalusError) return error.shortMessage
  if (error instanceof Error) return error.message
  return String(error)
}
