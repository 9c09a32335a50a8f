import { describeError } from '../../../errors/salusError.ts'
import type { Hex } from 'viem'
import { requestCodeText } from '../../../core/careLoop/requestCode.ts'
import { requestMailbox } from '../../../core/careLoop/requestMailboxKey.ts'
import { answerAccessRequest } from '../../../flows/careLoop/answerAccessRequest.ts'
import { collectAccessRequests, type VerifiedAccessRequest } from '../../../flows/careLoop/collectAccessRequests.ts'
import type { MailboxAccess } from '../../../flows/careLoop/mailboxAccess.ts'
import { reportError } from '../reportError.ts'
import type { ConsentContext } from '../consent/consentContext.ts'
import { loadAccessRequests, loadSeenNonces, saveAccessRequests, saveSeenNonces } from './accessRequestStore.ts'

const rotationKey = (account: string) => `salus:${account.toLowerCase()}:request-code-rotation`
const day = 24 * 60 * 60 * 1000

/** What granting needs from the Sharing page: the existing consent flow, with the request's terms. */
export type GrantThroughSharing = (terms: { doctor: string; scopes: VerifiedAccessRequest['request']['scopes']; expiryDate: string }) => Promise<boolean>

/**
 * The patient's side of access requests: their request code, the requests taken from the
 * care nodes (kept in this browser until answered), and granting or declining each.
 */
export class AccessRequestsState {
  code = $state('')
  requests = $state.raw<VerifiedAccessRequest[]>([])
  /** Sentences for requests set aside (forged, not a doctor, replayed…). */
  refused = $state.raw<string[]>([])
  answering = $state('')
  error = $state('')
  status = $state('')
  private rotation = 0
  private seen: Map<Hex, number>
  private collecting: Promise<void> | undefined

  constructor(
    private readonly context: ConsentContext,
    private readonly mailbox: MailboxAccess,
    private readonly grantThroughSharing: GrantThroughSharing,
  ) {
    const account = context.account
    this.rotation = Math.max(0, Math.min(1000, Number(localStorage.getItem(rotationKey(account)) ?? 0) || 0))
    this.requests = loadAccessRequests(account)
    this.seen = loadSeenNonces(account, Math.floor(Date.now() / 1000))
    this.code = requestCodeText(requestMailbox(context.workspace.keys.preMasterSeed, this.rotation).address)
  }

  /** A new code: requests sent to the old one are no longer taken (those already here stay). */
  rotate(): void {
    this.rotation += 1
    localStorage.setItem(rotationKey(this.context.account), String(this.rotation))
    this.code = requestCodeText(requestMailbox(this.context.workspace.keys.preMasterSeed, this.rotation).address)
    this.status = 'Your code changed. Doctors with the old code can no longer send you requests.'
  }

  /** Takes new requests from the care nodes (one collection at a time). */
  collect(): Promise<void> {
    this.collecting ??= this.take().finally(() => (this.collecting = undefined))
    return this.collecting
  }

  private async take(): Promise<void> {
    try {
      await collectAccessRequests({
        preMasterSeed: this.context.workspace.keys.preMasterSeed,
        rotation: this.rotation,
        mailbox: this.mailbox,
        publicClient: this.context.publicClient,
        domain: { chainId: this.context.config.chainId, registry: this.context.config.contracts.Registry.address },
        seen: (nonce) => this.seen.has(nonce) || this.requests.some((item) => item.id === nonce),
        // Kept in this browser before the care nodes delete the entries.
        keep: ({ requests, refused }) => this.keep(requests, refused),
      })
    } catch (error) {
      // A background round (a care node briefly out of reach): the next round tries again and
      // the page shows the sentence meanwhile, so the console gets a warning, not an error.
      console.warn('Salus: collecting requests for access failed; the next round tries again', error)
      this.error = describeError(error)
    }
  }

  private keep(requests: VerifiedAccessRequest[], refused: { shortMessage: string }[]): void {
      if (requests.length > 0) {
        const now = Math.floor(Date.now() / 1000)
        requests.forEach((item) => this.seen.set(item.id, now))
        this.requests = [...requests, ...this.requests]
        // Throws when storage fails: the entries then stay on the care nodes.
        saveAccessRequests(this.context.account, this.requests)
        this.persistSeen()
      }
      if (refused.length > 0) this.refused = [...refused.map((error) => error.shortMessage), ...this.refused].slice(0, 20)
  }

  /** One confirmation was given on the page: the consent flow runs with the request's scopes and duration. */
  async grant(item: VerifiedAccessRequest): Promise<void> {
    if (this.answering) return
    this.answering = item.id
    this.error = ''
    this.status = ''
    try {
      const expiryDate = new Date(Date.now() + item.request.durationDays * day).toISOString().slice(0, 10)
      const granted = await this.grantThroughSharing({ doctor: item.doctor.account, scopes: item.request.scopes, expiryDate })
      if (!granted) return
      await answerAccessRequest({ doctorMailbox: item.doctor.umbralPublicKey, nonce: item.id, outcome: 'granted', mailbox: this.mailbox }).catch((error: unknown) =>
        console.warn('Salus: the doctor could not be told the request was granted (the consent itself went)', error),
      )
      this.answered(item)
      this.status = `You granted ${item.doctor.name} access. They are told when they next open Salus.`
    } catch (error) {
      this.error = reportError(error, 'granting a request for access')
    } finally {
      this.answering = ''
    }
  }

  async decline(item: VerifiedAccessRequest, reason: string): Promise<void> {
    if (this.answering) return
    this.answering = item.id
    this.error = ''
    this.status = ''
    try {
      await answerAccessRequest({ doctorMailbox: item.doctor.umbralPublicKey, nonce: item.id, outcome: 'declined', reason: reason.slice(0, 500), mailbox: this.mailbox })
      this.answered(item)
      this.status = `You declined ${item.doctor.name}’s request. They are told when they next open Salus.`
    } catch (error) {
      this.error = reportError(error, 'declining a request for access')
    } finally {
      this.answering = ''
    }
  }

  private answered(item: VerifiedAccessRequest): void {
    this.seen.set(item.id, Math.floor(Date.now() / 1000))
    this.persistSeen()
    this.setRequests(this.requests.filter((entry) => entry.id !== item.id))
  }

  private setRequests(items: VerifiedAccessRequest[]): void {
    this.requests = items
    try {
      saveAccessRequests(this.context.account, items)
    } catch (error) {
      console.warn('Salus: requests for access could not be saved', error)
    }
  }

  private persistSeen(): void {
    try {
      saveSeenNonces(this.context.account, this.seen)
    } catch (error) {
      console.warn('Salus: seen request nonces could not be saved', error)
    }
  }
}
