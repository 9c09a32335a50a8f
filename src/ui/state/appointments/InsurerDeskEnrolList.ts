import { maxEnrolBatch } from '../../../chain/insurance/enrolMembers.ts'
import { AppointmentInputError } from './appointmentInputError.ts'
import { parseIdentityCommitment } from './identityCard.ts'

const field = 'identityCommitments'
/** Room for a full batch of card texts (about 80 characters each) with spaces around them. */
const maxListLength = maxEnrolBatch * 200

/**
 * The identity commitments an insurer pasted for one enrolMany, one per line (blank
 * lines skipped). Untrusted input: the whole text is size-limited, each line is read
 * as parseIdentityCommitment reads one code, and a code listed twice is refused, as it
 * would only give that patient a second, useless leaf.
 */
export function parseEnrolList(text: string): bigint[] {
  if (text.length > maxListLength) throw new AppointmentInputError(field, `That list is too long: enrol at most ${maxEnrolBatch} members at a time.`)
  const lines = text
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== '')
  if (lines.length === 0) throw new AppointmentInputError(field, 'Paste the patients’ identity codes, one per line.')
  if (lines.length > maxEnrolBatch) {
    throw new AppointmentInputError(field, `That is ${lines.length} codes; one transaction takes at most ${maxEnrolBatch}. Split the list.`)
  }
  const seen = new Map<bigint, number>()
  return lines.map(({ line, number }) => {
    let commitment: bigint
    try {
      commitment = parseIdentityCommitment(line)
    } catch (error) {
      if (error instanceof AppointmentInputError) throw new AppointmentInputError(field, `Line ${number}: ${error.shortMessage}`)
      throw error
    }
    const earlier = seen.get(commitment)
    if (earlier !== undefined) throw new AppointmentInputError(field, `Line ${number} repeats the code on line ${earlier}; remove one.`)
    seen.set(commitment, number)
    return commitment
  })
}
