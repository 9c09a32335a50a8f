import { hexToBytes, type Hex } from 'viem'
import { accessRequestLifetimeSeconds } from '../../core/careLoop/accessRequest.ts'
import { encodeRequestAnswer, type RequestAnswer } from '../../core/careLoop/requestAnswer.ts'
import { careLoopDomains, sealToAddress } from '../../core/careLoop/sealedPayload.ts'
import type { MailboxAccess } from './mailboxAccess.ts'

export type AnswerAccessRequestParameters = {
  /** The doctor's registered receiving key (directory `umbralPublicKey`): their mailbox address. */
  doctorMailbox: Hex
  nonce: Hex
  outcome: RequestAnswer['outcome']
  reason?: string
  mailbox: Pick<MailboxAccess, 'post'>
  signal?: AbortSignal
}

/** Tells the doctor how the patient answered a request, through the doctor's mailbox (they may be offline). */
export async function answerAccessRequest(parameters: AnswerAccessRequestParameters): Promise<void> {
  const { doctorMailbox, nonce, outcome, mailbox, signal } = parameters
  const reason = parameters.reason?.trim()
  const answer: RequestAnswer = { v: 1, kind: 'request-answer', nonce, outcome, at: Math.floor(Date.now() / 1000), ...(reason ? { reason } : {}) }
  const to = hexToBytes(doctorMailbox)
  await mailbox.post({ to, payload: sealToAddress(to, careLoopDomains.requestAnswer, encodeRequestAnswer(answer)), ttlSeconds: accessRequestLifetimeSeconds }, { signal })
}
