import type { InboxItem } from '../../core/careLoop/writeBack.ts'
import { maxAnswerReasonLength } from '../../core/careLoop/writeBack.ts'
import { FormInputError } from '../../core/fhir/fhirErrors.ts'
import type { PatientGrant } from '../consent/findPatientGrants.ts'
import { answerGrant, AnswerNotSentError, type CollectInboxParameters } from './collectInbox.ts'

export type AnswerContext = Pick<CollectInboxParameters, 'node' | 'careNodes' | 'keys' | 'deployment' | 'doctorKey' | 'signal' | 'now'> & {
  grants: readonly Pick<PatientGrant, 'grantId' | 'grantee' | 'grantIndex'>[]
}

/**
 * Tells the doctor what the patient did with an item: `accepted`, or `declined` with a
 * reason the doctor sees. Sealed to the doctor's receiving key, signed by the patient's
 * mailbox key of the item's grant, left in the doctor's mailbox on the care nodes.
 */
export async function answerWriteBack(context: AnswerContext, item: Pick<InboxItem, 'id' | 'grantId' | 'from'>, status: 'accepted' | 'declined', reason?: string): Promise<void> {
  const text = reason?.trim()
  if (status === 'declined' && !text) throw new FormInputError('reason', 'Say why you decline, so the doctor knows what to change.')
  if (text && text.length > maxAnswerReasonLength) throw new FormInputError('reason', `Keep the reason under ${maxAnswerReasonLength} characters.`)
  const grant = context.grants.find((g) => g.grantId === item.grantId && g.grantee.toLowerCase() === item.from.toLowerCase())
  if (!grant) throw new AnswerNotSentError(`grant ${item.grantId} to ${item.from} is not among the patient's grants`)
  try {
    await answerGrant(context, grant, [{ itemId: item.id, status, ...(text ? { reason: text } : {}) }])
  } catch (error) {
    if (error instanceof AnswerNotSentError || error instanceof FormInputError) throw error
    context.signal?.throwIfAborted()
    throw new AnswerNotSentError('no care node took the answer', { cause: error })
  }
}
