import { describeError } from '../../errors/salusError.ts'

/** The sentence to show for a failure; the console keeps the full error and its cause. */
export function reportError(error: unknown, doing: string): string {
  console.error(`Salus: ${doing} failed`, error)
  return describeError(error)
}
