import type { Hex } from 'viem'
import { isScope, scopes as allScopes, type Scope } from '../../../core/scopes.ts'
import type { RequestAnswer } from '../../../core/careLoop/requestAnswer.ts'
import { sendAccessRequest } from '../../../flows/careLoop/sendAccessRequest.ts'
import type { MailboxAccess } from '../../../flows/careLoop/mailboxAccess.ts'
import { reportError } from '../reportError.ts'
import type { ConsentContext } from '../consent/consentContext.ts'
import { StepsState } from '../consent/StepsState.svelte.ts'

/** A request the doctor sent, and what became of it. */
export type SentRequest = {
  nonce: Hex
  /** The patient's code it went to (the doctor's only name for the patient until a consent arrives). */
  code: string
  scopes: Scope[]
  reason: string
  durationDays: number
  /** Unix seconds. */
  sentAt: number
  status: 'sent' | 'granted' | 'declined'
  answerReason?: string
  answeredAt?: number
}

const storageKey = (account: string) => `salus:${account.toLowerCase()}:sent-access-requests`
const maxItems = 200

/** The doctor's "Ask a patient for access" form and the requests sent from this account, kept in this browser. */
export class SentRequestsState {
  readonly steps = new StepsState(['Signing the request with your account', 'Leaving it, sealed, in the patient’s mailbox'])
  code = $state('')
  scopes = $state<Scope[]>([])
  reason = $state('')
  durationDays = $state(30)
  busy = $state(false)
  error = $state('')
  status = $state('')
  sent = $state.raw<SentRequest[]>([])

  constructor(
    private readonly context: ConsentContext,
    private readonly mailbox: MailboxAccess,
  ) {
    this.sent = loadSentRequests(context.account)
  }

  toggleScope(scope: Scope, on: boolean): void {
    this.scopes = on ? [...new Set([...this.scopes, scope])] : this.scopes.filter((s) => s !== scope)
  }

  async ask(): Promise<void> {
    if (this.busy) return
    this.busy = true
    this.error = ''
    this.status = ''
    this.steps.reset()
    try {
      const { context } = this
      const request = await sendAccessRequest({
        patientCode: this.code,
        doctor: context.account,
        sign: (typedData) => context.walletClient.signTypedData(typedData),
        domain: { chainId: context.config.chainId, registry: context.config.contracts.Registry.address },
        scopes: allScopes.filter((scope) => this.scopes.includes(scope)),
        reason: this.reason,
        durationDays: Number(this.durationDays),
        mailbox: this.mailbox,
        progress: this.steps,
      })
      const item: SentRequest = {
        nonce: request.nonce,
        code: this.code.trim(),
        scopes: request.scopes,
        reason: request.reason,
        durationDays: request.durationDays,
        sentAt: request.requestedAt,
        status: 'sent',
      }
      this.setSent([item, ...this.sent])
      this.status = 'Request sent. The patient sees it when they next open Salus; their answer appears here.'
      this.code = ''
      this.reason = ''
      this.scopes = []
    } catch (error) {
      this.steps.failActive()
      this.error = reportError(error, 'asking a patient for access')
    } finally {
      this.busy = false
    }
  }

  /** Answers from the doctor's mailbox; returns those that matched a request sent from here. */
  applyAnswers(answers: readonly RequestAnswer[]): SentRequest[] {
    const changed: SentRequest[] = []
    const next = this.sent.map((item) => {
      const answer = answers.find((a) => a.nonce === item.nonce)
      if (!answer || item.status !== 'sent') return item
      const updated: SentRequest = { ...item, status: answer.outcome, answeredAt: answer.at, ...(answer.reason ? { answerReason: answer.reason } : {}) }
      changed.push(updated)
      return updated
    })
    if (changed.length > 0) this.setSent(next)
    return changed
  }

  private setSent(items: SentRequest[]): void {
    this.sent = items
    try {
      localStorage.setItem(storageKey(this.context.account), JSON.stringify(items.slice(0, maxItems)))
    } catch (error) {
      console.warn('Salus: sent requests could not be saved', error)
    }
  }
}

/** Stored items are re-checked on load; damaged ones are dropped. */
export function loadSentRequests(account: string, storage: Pick<Storage, 'getItem'> = localStorage): SentRequest[] {
  let raw: unknown
  try {
    raw = JSON.parse(storage.getItem(storageKey(account)) ?? '[]')
  } catch {
    return []
  }
  if (!Array.isArray(raw)) return []
  return raw.slice(0, maxItems).flatMap((value): SentRequest[] => {
    const item = value as Partial<SentRequest>
    if (typeof item?.nonce !== 'string' || !/^0x[0-9a-f]{64}$/.test(item.nonce) || typeof item.code !== 'string' || typeof item.reason !== 'string') return []
    if (!Array.isArray(item.scopes) || !item.scopes.every(isScope) || typeof item.sentAt !== 'number' || typeof item.durationDays !== 'number') return []
    if (item.status !== 'sent' && item.status !== 'granted' && item.status !== 'declined') return []
    return [
      {
        nonce: item.nonce,
        code: item.code.slice(0, 120),
        scopes: item.scopes,
        reason: item.reason.slice(0, 500),
        durationDays: item.durationDays,
        sentAt: item.sentAt,
        status: item.status,
        ...(typeof item.answerReason === 'string' ? { answerReason: item.answerReason.slice(0, 500) } : {}),
        ...(typeof item.answeredAt === 'number' ? { answeredAt: item.answeredAt } : {}),
      },
    ]
  })
}
