import { bytesToHex } from 'viem'
import { getGrantEvents } from '../../../chain/consent/getGrantEvents.ts'
import { readGrant } from '../../../chain/consent/readGrant.ts'
import { submitGrant } from '../../../chain/consent/submitGrant.ts'
import { readProvider } from '../../../chain/readProvider.ts'
import { updateProvider } from '../../../chain/updateProvider.ts'
import { receivingSecretKey } from '../../../crypto/umbral.ts'
import type { Delivery } from '../../../p2p/deliverProtocol.ts'
import { reportError } from '../reportError.ts'
import type { ConsentContext } from './consentContext.ts'
import { AccessEndedError } from '../../../flows/consent/accessErrors.ts'
import { consentVerificationKey } from './consentVerificationKey.ts'
import { loadConsentInbox, receiveConsent, saveConsentInbox, type IncomingConsent } from './consentInbox.ts'
import { DirectoryState } from './DirectoryState.svelte.ts'
import { patientOfConsent, patientOfGrantEvent, type PatientEntry } from './patientEntry.ts'
import { scopesOfMask } from '../../../flows/consent/findPatientGrants.ts'
import { relayAddresses } from './relayAddresses.ts'
import { SharedPatientState } from './SharedPatientState.svelte.ts'
import { collectDoctorMailbox, type DoctorMailboxItems } from '../../../flows/careLoop/collectDoctorMailbox.ts'
import { mailboxAccessOf } from '../careLoop/mailboxAccessOf.ts'
import { SentRequestsState } from '../careLoop/SentRequestsState.svelte.ts'
import { WriteBackState } from '../careLoop/WriteBackState.svelte.ts'

export type GrantStatus = 'active' | 'expired' | 'revoked' | 'unknown'

/** How often the page reads its grants' state from the chain; new grants are looked for every `eventsEvery` reads. */
export const grantPollMs = 5_000
const eventsEvery = 6
/** The doctor's mailbox (consents and answers that came while this browser was away) is read every `mailboxEvery` ticks. */
const mailboxEvery = 6

/** A grant as the chain holds it, judged on this page's clock (expiry) and the chain (revocation). */
export function grantStatus(grant: { revoked: boolean; expiry: number }, now = Date.now()): Exclude<GrantStatus, 'unknown'> {
  return grant.revoked ? 'revoked' : grant.expiry * 1000 <= now ? 'expired' : 'active'
}

/** The doctor's side of consent: reachable for deliveries, the inbox, accepting on chain, and patients' records. */
export class DoctorState {
  readonly directory: DirectoryState
  /** Requests for access this doctor sent, and the form to send one. */
  readonly requests: SentRequestsState
  /** The write-back forms and the status of every item sent. */
  readonly writeBack: WriteBackState
  /** What arrived in the mailbox since this doctor last opened Salus, in a sentence ('' when nothing). */
  away = $state('')
  inbox = $state.raw<IncomingConsent[]>([])
  /** Chain status per accepted grant id. */
  statuses = $state.raw<Record<string, GrantStatus>>({})
  accepting = $state('')
  error = $state('')
  status = $state('')
  /** Whether patients can reach this browser (listening for consents, address in the directory). */
  reachability = $state('Connecting to the network…')
  open = $state.raw<SharedPatientState | undefined>()
  /** Grants to this doctor found on chain, for those this browser has no consent message for. */
  onChain = $state.raw<PatientEntry[]>([])
  private stopServing: (() => Promise<void>) | undefined
  private disposed = false
  private poll: ReturnType<typeof setInterval> | undefined
  private polls = 0
  /** What the chain said last per grant: revocation is final, expiry is judged again on every tick. */
  private known = new Map<string, { revoked: boolean; expiry: number }>()
  private refreshing: Promise<void> | undefined
  private eventsRead = false

  constructor(private readonly context: ConsentContext) {
    this.directory = new DirectoryState(context)
    this.inbox = loadConsentInbox(context.account)
    this.requests = new SentRequestsState(context, mailboxAccessOf(context))
    // The prescribing checks read what the doctor has open of this patient (issue 12).
    this.writeBack = new WriteBackState(context, (grantId) =>
      this.open && this.open.consent.grantId === grantId ? this.open.records.map((record) => ({ ref: record.cid, resource: record.resource })) : [],
    )
  }

  get incoming(): IncomingConsent[] {
    return this.inbox.filter((item) => !item.grantId)
  }

  get patients(): PatientEntry[] {
    const accepted = this.inbox.filter((item): item is IncomingConsent & { grantId: string } => item.grantId !== undefined).map(patientOfConsent)
    const known = new Set(accepted.map((entry) => entry.grantId))
    return [...accepted, ...this.onChain.filter((entry) => !known.has(entry.grantId))]
  }

  async start(): Promise<void> {
    void this.refreshStatuses()
    // Revocations arrive on chain at any time: the page reads them without being asked.
    this.poll = setInterval(() => {
      if (this.disposed) return
      this.judgeExpiry()
      const tick = ++this.polls
      void this.refreshStatuses({ events: tick % eventsEvery === 0 })
      if (tick % mailboxEvery === 0) void this.collectMailbox()
    }, grantPollMs)
    // Consents and answers that came while this doctor was away wait in their mailbox.
    void this.collectMailbox({ atSignIn: true })
    try {
      const node = await this.context.node()
      if (this.disposed) return
      const deliveries = this.context.workspace.deliveries
      const offConsent = deliveries.on('consent', (delivery, { from }) => this.receive(delivery, from))
      const offRecord = deliveries.on('record', (delivery, { from }) => this.receive(delivery, from))
      this.stopServing = async () => {
        offConsent()
        offRecord()
      }
      await deliveries.serve(node)
      this.reachability = 'Listening for consents from patients.'
      await this.publishAddress()
    } catch (error) {
      this.reachability = `Patients cannot reach you: ${reportError(error, 'listening for consents')}`
    }
  }

  private async receive(delivery: Delivery, from: string): Promise<void> {
    // Anything refused throws: the sender sees 'refused'.
    const { account, config, consent } = this.context
    const inbox = await receiveConsent(this.inbox, delivery, from, { account, chainId: config.chainId, consent: consent.address, vkey: consentVerificationKey })
    if (!inbox || delivery.kind !== 'consent') return
    this.setInbox(inbox)
    this.status = `New consent from “${delivery.label}”.`
  }

  private collecting: Promise<void> | undefined

  /** Takes consents and answers from the doctor's mailbox; consents are checked like a direct delivery. */
  collectMailbox({ atSignIn = false }: { atSignIn?: boolean } = {}): Promise<void> {
    this.collecting ??= (async () => {
      try {
        const items = await collectDoctorMailbox({
          preMasterSeed: this.context.workspace.keys.preMasterSeed,
          mailbox: mailboxAccessOf(this.context),
          keep: (taken) => this.keepFromMailbox(taken, atSignIn),
        })
        if (items.consents.length + items.answers.length > 0) void this.refreshStatuses({ events: false })
        const answers = await this.writeBack.collect()
        const accepted = answers.filter((answer) => answer.status === 'accepted').length
        const declined = answers.filter((answer) => answer.status === 'declined').length
        if (accepted + declined > 0) {
          const sentence = [accepted ? `${accepted} item${accepted === 1 ? '' : 's'} accepted` : '', declined ? `${declined} declined` : ''].filter(Boolean).join(', ')
          if (atSignIn) this.away = this.away ? `${this.away.replace(/\.$/, '')}, ${sentence} by patients.` : `While you were away: ${sentence} by patients.`
          else this.status = `Patients answered: ${sentence}.`
        }
      } catch (error) {
        if (!this.disposed) console.warn('Salus: the mailbox could not be read', error)
      } finally {
        this.collecting = undefined
      }
    })()
    return this.collecting
  }

  private async keepFromMailbox({ consents, answers }: DoctorMailboxItems, atSignIn: boolean): Promise<void> {
    const { account, config, consent } = this.context
    let inbox = this.inbox
    let newConsents = 0
    for (const { delivery } of consents) {
      try {
        const next = await receiveConsent(inbox, delivery, 'mailbox', { account, chainId: config.chainId, consent: consent.address, vkey: consentVerificationKey })
        if (next) {
          inbox = next
          newConsents++
        }
      } catch (error) {
        console.warn('Salus: a consent in the mailbox was refused', error)
      }
    }
    // Throws when storage fails: the entries then stay on the care nodes for the next try.
    if (newConsents > 0) {
      saveConsentInbox(account, inbox)
      this.inbox = inbox
    }
    const answered = this.requests.applyAnswers(answers.map((item) => item.answer))
    const parts: string[] = []
    if (newConsents > 0) parts.push(`${newConsents} new consent${newConsents === 1 ? '' : 's'} to accept`)
    const granted = answered.filter((item) => item.status === 'granted').length
    const declined = answered.filter((item) => item.status === 'declined')
    if (granted > 0) parts.push(`${granted} request${granted === 1 ? '' : 's'} granted`)
    for (const item of declined) parts.push(`a request declined${item.answerReason ? ` (“${item.answerReason}”)` : ''}`)
    if (parts.length === 0) return
    const sentence = parts.join(', ')
    if (atSignIn) this.away = `While you were away: ${sentence}.`
    else this.status = `New: ${sentence}.`
  }

  /** Patients find this browser through the directory: keep its peer id, relay addresses and receiving key current there. */
  private async publishAddress(): Promise<void> {
    const { publicClient, walletClient, config, account } = this.context
    const node = await this.context.node()
    let addresses = relayAddresses(node)
    for (let attempt = 0; addresses.length === 0 && attempt < 20 && !this.disposed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      addresses = relayAddresses(node)
    }
    const registry = config.contracts.Registry.address
    const entry = await readProvider(publicClient, { registry, account })
    if (!entry) {
      this.reachability = 'You have no directory entry, so patients cannot find you. Write it on the Profile page; the Medical council then certifies it.'
      return
    }
    const key = receivingSecretKey(this.context.workspace.keys.preMasterSeed).publicKey()
    const umbralPublicKey = bytesToHex(key.toCompressedBytes())
    key.free()
    const peerId = node.libp2p.peerId.toString()
    const same = entry.peerId === peerId && entry.umbralPublicKey.toLowerCase() === umbralPublicKey && sameList(entry.multiaddrs, addresses)
    if (same || addresses.length === 0) {
      this.reachability = addresses.length === 0 ? 'No relay answered: patients cannot reach you right now.' : 'Listening for consents from patients.'
      return
    }
    this.reachability = 'Publishing your network address in the directory…'
    const { account: _a, role: _r, active: _x, ...profile } = entry
    // The update is a write from the doctor's account: a wallet on another network would refuse it.
    await this.context.ensureChain()
    await updateProvider(walletClient, { registry, profile: { ...profile, peerId, multiaddrs: addresses, umbralPublicKey } })
    this.reachability = 'Listening for consents from patients (address published in the directory).'
  }

  /** The doctor's account records the consent on chain and pays the gas; the patient's wallet never appears. */
  async accept(item: IncomingConsent): Promise<void> {
    if (this.accepting) return
    this.accepting = item.id
    this.error = ''
    this.status = ''
    try {
      const { grant, pseudonym, proof } = item.delivery
      await this.context.ensureChain()
      const result = await submitGrant(this.context.walletClient, {
        consent: this.context.consent.address,
        params: { ...grant, expiry: BigInt(grant.expiry), proxiesHash: BigInt(grant.proxiesHash) },
        pseudonym: BigInt(pseudonym),
        proof: proof.map((word) => BigInt(word)),
      })
      this.setInbox(this.inbox.map((entry) => (entry.id === item.id ? { ...entry, grantId: result.grantId.toString() } : entry)))
      this.known.set(result.grantId.toString(), { revoked: false, expiry: grant.expiry })
      this.judgeExpiry()
      this.status = `Access from “${item.delivery.label}” recorded on chain (grant #${result.grantId}).`
    } catch (error) {
      this.error = reportError(error, 'accepting a consent')
    } finally {
      this.accepting = ''
    }
  }

  dismiss(item: IncomingConsent): void {
    this.setInbox(this.inbox.filter((entry) => entry.id !== item.id))
  }

  /**
   * Status of every grant from the chain, and (with `events`) grants accepted elsewhere
   * (another device, cleared storage). One read at a time; a read that fails keeps the
   * last answer rather than claiming the grant is active.
   */
  refreshStatuses({ events = true }: { events?: boolean } = {}): Promise<void> {
    this.refreshing ??= this.readStatuses(events).finally(() => {
      this.refreshing = undefined
    })
    return this.refreshing
  }

  private async readStatuses(events: boolean): Promise<void> {
    const { publicClient, consent, account } = this.context
    if (events || !this.eventsRead) {
      try {
        const { events } = await getGrantEvents(publicClient, { consent: consent.address, fromBlock: BigInt(consent.deployBlock), grantee: account })
        this.onChain = events.flatMap((event) => (event.type === 'GrantCreated' ? (patientOfGrantEvent(event) ?? []) : [])).reverse()
        this.eventsRead = true
      } catch (error) {
        console.warn('Salus: reading grants from the chain failed', error)
      }
    }
    await Promise.all(
      this.patients.map(async (item) => {
        // A revoked grant stays revoked: no need to ask again.
        if (this.known.get(item.grantId)?.revoked) return
        try {
          const grant = await readGrant(publicClient, { consent: consent.address, grantId: BigInt(item.grantId) })
          this.known.set(item.grantId, { revoked: grant.revoked, expiry: grant.expiry })
        } catch (error) {
          console.warn(`Salus: reading grant #${item.grantId} from the chain failed`, error)
        }
      }),
    )
    this.judgeExpiry()
  }

  /** Statuses from what the chain said and this page's clock; an open patient whose access ended is told so. */
  private judgeExpiry(): void {
    const now = Date.now()
    const statuses: Record<string, GrantStatus> = {}
    for (const item of this.patients) {
      const grant = this.known.get(item.grantId)
      statuses[item.grantId] = grant ? grantStatus(grant, now) : 'unknown'
    }
    if (!sameStatuses(statuses, this.statuses)) this.statuses = statuses
    const open = this.open
    const status = open && statuses[open.consent.grantId]
    if (open && (status === 'revoked' || status === 'expired')) open.accessEnded(status)
  }

  /** Why this grant cannot open anything now, in a sentence; '' while it is active or not yet read. */
  endedReason(item: { grantId: string }): string {
    const status = this.statuses[item.grantId]
    return status === 'revoked' || status === 'expired' ? new AccessEndedError(status).shortMessage : ''
  }

  openPatient(item: PatientEntry): void {
    // Nothing that cannot work: a grant the chain shows revoked or expired is not tried.
    if (this.endedReason(item)) return
    if (this.open?.consent.id !== item.id) {
      this.open?.close()
      this.open = new SharedPatientState(this.context, this.directory, item)
    }
    // A refusal is news: read the chain again at once.
    void this.open.open().then(() => this.refreshStatuses({ events: false }))
  }

  closePatient(): void {
    this.open?.close()
    this.open = undefined
  }

  scopesOf(item: { scopesMask: number }) {
    return scopesOfMask(item.scopesMask)
  }

  private setInbox(items: IncomingConsent[]): void {
    this.inbox = items
    try {
      saveConsentInbox(this.context.account, items)
    } catch (error) {
      console.warn('Salus: the consent inbox could not be saved', error)
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true
    clearInterval(this.poll)
    this.open?.close()
    await this.stopServing?.().catch(() => {})
  }
}

function sameStatuses(a: Record<string, GrantStatus>, b: Record<string, GrantStatus>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key])
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i])
}
