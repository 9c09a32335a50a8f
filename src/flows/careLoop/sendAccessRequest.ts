import { type Address, type Hex } from 'viem'
import {
  accessRequestLifetimeSeconds,
  accessRequestTypedData,
  buildAccessRequest,
  encodeAccessRequest,
  type AccessRequest,
  type AccessRequestDomain,
} from '../../core/careLoop/accessRequest.ts'
import { parseRequestCode } from '../../core/careLoop/requestCode.ts'
import { careLoopDomains, sealToAddress } from '../../core/careLoop/sealedPayload.ts'
import type { Scope } from '../../core/scopes.ts'
import { checkCancelled, silentProgress, type FlowProgress } from '../consent/flowProgress.ts'
import type { MailboxAccess } from './mailboxAccess.ts'

export type SendAccessRequestParameters = {
  /** The patient's code as pasted or scanned ("salusreq1…"). */
  patientCode: string
  doctor: Address
  /** Signs the request's EIP-712 typed data with the doctor's account. */
  sign(typedData: ReturnType<typeof accessRequestTypedData>): Promise<Hex>
  domain: AccessRequestDomain
  scopes: readonly Scope[]
  reason: string
  durationDays: number
  mailbox: Pick<MailboxAccess, 'post'>
  /** Steps: 0 sign, 1 post to the patient's mailbox. */
  progress?: FlowProgress
  signal?: AbortSignal
}

/**
 * The doctor asks a patient for access: the request is checked, signed by the doctor's
 * account, sealed to the patient's request mailbox and left on the care nodes until the
 * patient's app takes it. Returns the request (its nonce names the patient's answer).
 * Bad input throws CareLoopInputError (the code) or AccessRequestInputError (the form).
 */
export async function sendAccessRequest(parameters: SendAccessRequestParameters): Promise<AccessRequest> {
  const { patientCode, doctor, sign, domain, scopes, reason, durationDays, mailbox, signal } = parameters
  const progress = parameters.progress ?? silentProgress
  const to = parseRequestCode(patientCode)
  const request = buildAccessRequest({ to, doctor, scopes, reason, durationDays })
  progress.begin(0)
  const signature = await sign(accessRequestTypedData(request, domain))
  progress.finish(0)
  checkCancelled(signal)
  progress.begin(1)
  const payload = sealToAddress(to, careLoopDomains.accessRequest, encodeAccessRequest({ kind: 'access-request', request, signature }))
  await mailbox.post({ to, payload, ttlSeconds: accessRequestLifetimeSeconds }, { signal })
  progress.finish(1)
  return request
}
