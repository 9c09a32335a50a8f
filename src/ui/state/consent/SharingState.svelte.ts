import type { ProviderEntry } from '../../../chain/providerEntry.ts'
import { scopes as allScopes, type Scope } from '../../../core/scopes.ts'
import { deliverConsent } from '../../../flows/careLoop/deliverConsent.ts'
import { AccessRequestsState } from '../careLoop/AccessRequestsState.svelte.ts'
import { mailboxAccessOf } from '../careLoop/mailboxAccessOf.ts'
import type { ConsentDelivery } from '../../../p2p/deliverProtocol.ts'
import { createProverWorker } from '../../../zk/proveInWorker.ts'
import { reportError } from '../reportError.ts'
import { careNodeAddresses, type ConsentContext } from './consentContext.ts'
import { SharingUnavailableError } from '../../../flows/consent/accessErrors.ts'
import { DirectoryState } from './DirectoryState.svelte.ts'
import { PatientGrantsState } from './PatientGrantsState.svelte.ts'
import { proveConsent } from './proveConsent.ts'
import { prepareConsent } from '../../../flows/consent/prepareConsent.ts'
import { nextGrantIndex } from '../../../flows/consent/findPatientGrants.ts'
import { publishScopeManifests } from '../../../flows/consent/publishScopeManifests.ts'
import { consentDelivery } from './consentDelivery.ts'
import { StepsState } from './StepsState.svelte.ts'

/** Default t-of-n: any 2 of 3 care nodes can re-encrypt, one can be down or lying. */
const defaultThreshold = 2
const defaultProxies = 3
const day = 24 * 60 * 60 * 1000
const requestPollMs = 30_000

/** A consent made and (maybe) delivered; kept so an offline doctor can be tried again. */
export type SentConsent = {
  id: string
  doctor: ProviderEntry
  delivery: ConsentDelivery
  /** 'mailbox': the doctor was offline; it waits sealed to them on the care nodes until they sign in. */
  state: 'sending' | 'delivered' | 'mailbox' | 'undelivered'
  error: string
}

/** The patient's Sharing page: directory, the share form and its steps, consents sent, grants on chain. */
export class SharingState {
  readonly directory: DirectoryState
  readonly grants: PatientGrantsState
  /** Doctors' requests for access, and the patient's code they send them to. */
  readonly requests: AccessRequestsState
  readonly steps = new StepsState(['Preparing key fragments for the care nodes', 'Copying your records to the care nodes', 'Making the consent proof', 'Sending the consent to the doctor'])
  doctor = $state('')
  scopes = $state<Scope[]>([])
  expiry = $state(new Date(Date.now() + 30 * day).toISOString().slice(0, 10))
  label = $state('')
  busy = $state(false)
  error = $state('')
  status = $state('')
  sent = $state.raw<SentConsent[]>([])
  private worker: Worker | undefined
  /** Scopes this browser has shared: a record added to one of them updates its manifest. */
  private sharedScopes = new Set<Scope>()
  private republishing: Promise<void> | undefined
  private requestPoll: ReturnType<typeof setInterval> | undefined

  constructor(private readonly context: ConsentContext) {
    this.directory = new DirectoryState(context)
    this.grants = new PatientGrantsState(context, this.directory, () => (this.worker ??= createProverWorker()))
    this.label = context.workspace.account.label
    this.requests = new AccessRequestsState(context, mailboxAccessOf(context), (terms) => this.shareOnRequest(terms))
  }

  private started: Promise<void> | undefined

  start(): Promise<void> {
    this.started ??= (async () => {
      await this.directory.load()
      // Read fresh, and fail rather than guess: a reused index would give two grants one pseudonym.
      await this.grants.load()
      for (const grant of this.grants.grants) if (grant.status === 'active') grant.scopes.forEach((scope) => this.sharedScopes.add(scope))
    })()
    // Requests wait on the care nodes: taken at sign-in and every half minute while Salus is open.
    void this.requests.collect()
    this.requestPoll ??= setInterval(() => void this.requests.collect(), requestPollMs)
    return this.started
  }

  toggleScope(scope: Scope, on: boolean): void {
    this.scopes = on ? [...new Set([...this.scopes, scope])] : this.scopes.filter((s) => s !== scope)
  }

  /** A doctor's request, granted with one confirmation: the same consent flow with the request's terms. True once the consent went. */
  async shareOnRequest(terms: { doctor: string; scopes: Scope[]; expiryDate: string }): Promise<boolean> {
    if (this.busy) return false
    this.doctor = terms.doctor
    this.scopes = [...terms.scopes]
    this.expiry = terms.expiryDate
    if (!this.directory.doctor(terms.doctor)) await this.directory.load()
    const sent = await this.share()
    return sent?.state === 'delivered' || sent?.state === 'mailbox'
  }

  /** Bundle → replicate → prove → deliver. Every step reports progress; a failure says which step and what to do. */
  async share(): Promise<SentConsent | undefined> {
    if (this.busy) return
    this.error = ''
    this.status = ''
    const doctor = this.directory.doctor(this.doctor)
    const chosen = allScopes.filter((scope) => this.scopes.includes(scope))
    const expiry = Math.floor(new Date(`${this.expiry}T23:59:59`).getTime() / 1000)
    if (!doctor) return void (this.error = 'Choose a doctor from the directory.')
    if (chosen.length === 0) return void (this.error = 'Choose at least one kind of record to share.')
    if (!Number.isFinite(expiry) || expiry * 1000 <= Date.now()) return void (this.error = 'Choose an expiry date in the future.')
    const label = this.label.trim()
    if (!label || label.length > 64) return void (this.error = 'Enter a label of 1 to 64 characters for the doctor to know you by.')
    const proxies = this.directory.careNodes.slice(0, defaultProxies)
    if (proxies.length < defaultThreshold) return void (this.error = 'Fewer than 2 care nodes are listed in the directory, so access cannot be protected. Try again later.')
    this.busy = true
    this.steps.reset()
    try {
      const { workspace } = this.context
      const node = await this.context.node()
      // Each grant has its own pseudonym: the next index past this doctor's grants on chain and those still in flight from this tab.
      // Read fresh, and fail rather than guess: a reused index would give two grants one pseudonym.
      await this.grants.load()
      const inFlight = this.sent.filter((item) => item.doctor.account.toLowerCase() === doctor.account.toLowerCase()).length
      const grantIndex = nextGrantIndex(this.grants.grants, doctor.account, inFlight)
      const { grant, bundleCid, pseudonym, proof } = await prepareConsent({
        grantIndex,
        keys: workspace.keys,
        vault: workspace.vault,
        blocks: workspace.blocks,
        node,
        careNodes: careNodeAddresses(this.context),
        // Bound to this deployment: the bundle and the proof are refused on any other chain or Consent contract.
        deployment: { chainId: this.context.config.chainId, consent: this.context.consent.address },
        doctor,
        scopes: chosen,
        expiry,
        proxies,
        threshold: Math.min(defaultThreshold, proxies.length),
        prove: (input) => proveConsent((this.worker ??= createProverWorker()), input),
        progress: this.steps,
      })
      chosen.forEach((scope) => this.sharedScopes.add(scope))

      const delivery = consentDelivery({ grant, bundleCid, pseudonym, proof, node, label })
      const sent: SentConsent = { id: bundleCid.toString(), doctor, delivery, state: 'sending', error: '' }
      this.sent = [sent, ...this.sent]
      this.steps.begin(3)
      await this.deliver(sent)
      if (sent.state === 'delivered' || sent.state === 'mailbox') {
        this.steps.finish(3)
        this.status =
          sent.state === 'delivered'
            ? `Consent sent to ${doctor.name}. Access starts when they accept it.`
            : `${doctor.name} is offline: the consent waits for them, sealed, on the care nodes. Access starts when they sign in and accept it.`
        this.scopes = []
      } else this.steps.fail(3, 'The consent could not be sent')
      return sent
    } catch (error) {
      this.steps.failActive()
      this.error = reportError(error, 'sharing records')
    } finally {
      this.busy = false
    }
  }

  /** Sends (again) a consent: to the doctor's browser, or to their mailbox when it does not answer; a failure of both leaves it "undelivered" with a retry button. */
  async deliver(sent: SentConsent): Promise<void> {
    const retry = sent.state === 'undelivered'
    this.update(sent, { state: 'sending', error: '' })
    try {
      const node = await this.context.node()
      // A doctor who came online since may have new addresses in the directory.
      if (retry) await this.directory.load()
      const doctor = this.directory.doctor(sent.doctor.account) ?? sent.doctor
      if (!doctor.umbralPublicKey) throw new SharingUnavailableError(`${doctor.name} has no receiving key in the directory, so the consent cannot reach them.`)
      // All of the doctor's relay addresses at once (libp2p takes the first that answers), else their mailbox.
      const { via } = await deliverConsent({ node, doctor, delivery: sent.delivery, mailbox: mailboxAccessOf(this.context) })
      this.update(sent, { state: via === 'delivered' ? 'delivered' : 'mailbox' })
    } catch (error) {
      this.update(sent, { state: 'undelivered', error: `${reportError(error, 'delivering a consent')} ${sent.doctor.name} may be offline: try again later.` })
    }
  }

  /** Records added to a shared scope: new manifests and heads on the care nodes, so grantees see them. */
  recordsAdded(): Promise<void> {
    const run = async () => {
      await this.start()
      const scopes = [...this.sharedScopes]
      if (scopes.length === 0) return
      try {
        await publishScopeManifests({
          node: await this.context.node(),
          blocks: this.context.workspace.blocks,
          preMasterSeed: this.context.workspace.keys.preMasterSeed,
          records: this.context.workspace.vault.list(),
          scopes,
          epochOf: (scope) => this.context.workspace.vault.currentEpoch(scope),
          careNodes: careNodeAddresses(this.context),
          required: 1,
        })
        this.status = 'New records were added to what you share; doctors with access will see them.'
      } catch (error) {
        this.error = reportError(error, 'updating shared records')
      }
    }
    // One update at a time; a second call while one runs waits for it, then publishes the newest list.
    const next = (this.republishing ?? Promise.resolve()).then(run)
    this.republishing = next
    return next
  }

  private update(sent: SentConsent, patch: Partial<SentConsent>): void {
    Object.assign(sent, patch)
    this.sent = this.sent.map((item) => (item.id === sent.id ? { ...sent } : item))
  }

  dispose(): void {
    clearInterval(this.requestPoll)
    this.worker?.terminate()
    this.worker = undefined
  }
}
