import type { Hex } from 'viem'
import { mapField, stringField, uintField, type Fail } from '../consent/untrustedFields.ts'
import { SalusError } from '../../errors/salusError.ts'

/**
 * The patient's answer to an access request, sealed to the doctor's mailbox (their
 * registered receiving key). It names the request by its nonce, which only the doctor
 * and the patient know (it travelled sealed), so nobody else can answer for the patient.
 */
export type RequestAnswer = {
  v: 1
  kind: 'request-answer'
  nonce: Hex
  outcome: 'granted' | 'declined'
  /** Why the patient declined (optional, shown to the doctor). */
  reason?: string
  /** Unix seconds. */
  at: number
}

export const maxAnswerReasonLength = 500
const maxAnswerBytes = 2 * 1024

export class RequestAnswerError extends SalusError {
  override name = 'RequestAnswerError' as const
  constructor(details: string) {
    super('An answer from a patient could not be read, so it was set aside.', { details })
  }
}

export function encodeRequestAnswer(answer: RequestAnswer): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(parseRequestAnswer(answer)))
}

export function decodeRequestAnswer(bytes: Uint8Array): RequestAnswer {
  if (bytes.byteLength > maxAnswerBytes) throw new RequestAnswerError('answer over the size limit')
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new RequestAnswerError('not UTF-8 JSON')
  }
  return parseRequestAnswer(value)
}

export function parseRequestAnswer(value: unknown): RequestAnswer {
  const fail: Fail = (details) => {
    throw new RequestAnswerError(details)
  }
  const m = mapField(value, 'answer', fail, ['v', 'kind', 'nonce', 'outcome', 'reason', 'at'])
  if (m.v !== 1 || m.kind !== 'request-answer') fail('not a v1 request-answer')
  if (m.outcome !== 'granted' && m.outcome !== 'declined') fail('outcome must be granted or declined')
  const answer: RequestAnswer = {
    v: 1,
    kind: 'request-answer',
    nonce: stringField(m.nonce, 'nonce', fail, 66, /^0x[0-9a-f]{64}$/) as Hex,
    outcome: m.outcome,
    at: uintField(m.at, 'at', fail, 2 ** 40, 1),
  }
  if (m.reason !== undefined) answer.reason = stringField(m.reason, 'reason', fail, maxAnswerReasonLength)
  return answer
}
