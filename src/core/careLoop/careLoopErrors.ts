import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

/** A write-back, answer or contact that is not well formed, too large, or does not open: nothing of it is kept. */
export class MalformedWriteBackError extends SalusError {
  override name = 'MalformedWriteBackError' as const
  constructor(details: string, parameters: SalusErrorParameters = {}) {
    super('An item a doctor sent is damaged, too large or not a Salus item, so it was set aside. Ask the doctor to send it again.', { ...parameters, details })
  }
}

/** Why a write-back that opened is still refused. */
export type WriteBackRefusal =
  | 'bad-signature'
  | 'not-grantee'
  | 'scope-not-granted'
  | 'revoked'
  | 'expired'
  | 'not-doctor'
  | 'wrong-deployment'
  | 'unknown-grant'

const refusalSentences: Record<WriteBackRefusal, string> = {
  'bad-signature': 'An item was refused: its signature does not match the doctor who is named as its author.',
  'not-grantee': 'An item was refused: it was signed by someone you have not given access to.',
  'scope-not-granted': 'An item was refused: it is a kind of record you did not share with this doctor.',
  revoked: 'An item was refused: you have ended this doctor’s access.',
  expired: 'An item was refused: this doctor’s access had expired.',
  'not-doctor': 'An item was refused: its author is not a certified doctor in the directory.',
  'wrong-deployment': 'An item was refused: it was made for another Salus network.',
  'unknown-grant': 'An item was refused: it names an access grant that is not yours.',
}

/** A write-back opened but fails a check against its grant, the directory or its signature: it is not put in the inbox. */
export class WriteBackRefusedError extends SalusError {
  override name = 'WriteBackRefusedError' as const
  readonly reason: WriteBackRefusal
  constructor(reason: WriteBackRefusal, details: string, parameters: SalusErrorParameters = {}) {
    super(refusalSentences[reason], { ...parameters, details })
    this.reason = reason
  }
}

/** A form field or pasted code the person can correct; `field` names it. */
export class CareLoopInputError extends SalusError {
  override name = 'CareLoopInputError' as const
  readonly field: string
  constructor(field: string, shortMessage: string, parameters: SalusErrorParameters = {}) {
    super(shortMessage, parameters)
    this.field = field
  }
}
