import type { Address } from 'viem'
import { listProviders } from '../../../chain/listProviders.ts'
import type { ProviderEntry } from '../../../chain/providerEntry.ts'
import { shortHex } from '../../format.ts'
import { describeError } from '../../../errors/salusError.ts'
import type { Scope } from '../../../core/scopes.ts'
import type { ConsentContext } from '../consent/consentContext.ts'
import type { SharingState } from '../consent/SharingState.svelte.ts'
import { StepsState } from '../consent/StepsState.svelte.ts'
import { reportError } from '../reportError.ts'
import { emptyExtras, loadSeenReads, loadStoredCard, saveSeenReads, saveStoredCard, type CardStorage, type StoredCard } from './cardStorage.ts'
import { findReads, minimumOf, shlinkOf, publishCard, publishSteps, qrSvg, rotateCard, updateCard, type BreakGlassRead, type CardFields, type EmergencyContact } from './emergencyParts.ts'
import { viewOfMinimum } from './emergencyView.ts'
import { buildEmergencySummary, type EmergencyExtras, type SummaryRecord } from '../../../core/emergency/ips.ts'
import { summaryRecordFromVault } from '../../../core/emergency/recordProvenance.ts'
import { isBloodGroup } from '../../../core/emergency/ipsSections.ts'
import { readEmergencySummary, type EmergencySummaryView } from '../../../core/emergency/emergencySummaryView.ts'
import type { FhirResource } from '../../../core/fhir/fhirTypes.ts'

/** The vault scopes the summary is built from. */
const summaryScopes: readonly Scope[] = ['allergies', 'medications', 'conditions', 'immunizations', 'labs', 'procedures', 'summary']

export type ContactDraft = { name: string; relationship: string; phone: string }

/** The typed fields as core/emergency/ips takes them. */
export function extrasOf(fields: CardFields): EmergencyExtras {
  const group = fields.bloodGroup?.replace('−', '-')
  return {
    ...(isBloodGroup(group) ? { bloodGroup: group } : {}),
    devices: fields.implants.map((name) => ({ name })),
    directives: fields.advanceDirectives.map((text) => ({ text })),
    contacts: fields.contacts.map((contact) => ({ name: contact.name, ...(contact.relationship ? { relation: contact.relationship } : {}), ...(contact.phone ? { phone: contact.phone } : {}) })),
  }
}

/** Lines of a textarea, trimmed, blanks dropped. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
}

/**
 * The patient's emergency card: the fields added for it, the preview (the crew's own
 * view), publish / update / rotate with progress and Cancel, the open-card choice, the
 * QR for the wallet card and the lock screen, and the break-glass reads of the card.
 */
export class EmergencyCardState {
  bloodGroup = $state('')
  implants = $state('')
  directives = $state('')
  contacts = $state<ContactDraft[]>([{ name: '', relationship: '', phone: '' }])
  /** The open-card choice for the next publish; off by default. */
  open = $state(false)
  card = $state.raw<StoredCard>({ open: false, extras: emptyExtras(), retired: [] })
  bundle = $state.raw<FhirResource | undefined>()
  preview = $state.raw<EmergencySummaryView | undefined>()
  /** What the QR itself carries, as the crew sees it with no network. */
  minimumPreview = $state.raw<EmergencySummaryView | undefined>()
  qrSvg = $state('')
  /** An open card's second QR: the standard SMART Health Link, for responders without Salus. */
  shlSvg = $state('')
  steps = new StepsState(publishSteps)
  busy = $state<'' | 'preview' | 'publish' | 'update' | 'rotate'>('')
  error = $state('')
  status = $state('')
  reads = $state.raw<BreakGlassRead[]>([])
  readsError = $state('')
  /** The newest read the patient has been told about (unix seconds). */
  seenAt = $state(0)
  /** Reads since the patient last looked: the notice at the top of the app. */
  unseen = $derived(this.reads.filter((read) => read.at > this.seenAt))
  /** Responders in the directory, to name who read the card. */
  responders = $state.raw<ProviderEntry[]>([])
  private controller: AbortController | undefined

  constructor(
    private readonly context: ConsentContext,
    private readonly sharing: SharingState,
    private readonly storage: CardStorage = localStorage,
  ) {
    const { workspace } = context
    this.card = loadStoredCard(storage, workspace.account.address, workspace.keys.vaultKey)
    const extras = this.card.extras
    this.bloodGroup = extras.bloodGroup ?? ''
    this.implants = extras.implants.join('\n')
    this.directives = extras.advanceDirectives.join('\n')
    if (extras.contacts.length) this.contacts = extras.contacts.map((contact) => ({ name: contact.name, relationship: contact.relationship ?? '', phone: contact.phone ?? '' }))
    this.open = this.card.open
    this.seenAt = loadSeenReads(storage, workspace.account.address)
    this.drawQr()
  }

  get published(): boolean {
    return this.card.qrText !== undefined
  }

  extras(): CardFields {
    const contacts: EmergencyContact[] = this.contacts
      .filter((contact) => contact.name.trim() || contact.phone.trim())
      .map((contact) => ({
        name: contact.name.trim() || contact.phone.trim(),
        ...(contact.relationship.trim() ? { relationship: contact.relationship.trim() } : {}),
        ...(contact.phone.trim() ? { phone: contact.phone.trim() } : {}),
      }))
    return {
      ...(this.bloodGroup.trim() ? { bloodGroup: this.bloodGroup.trim() } : {}),
      implants: lines(this.implants),
      advanceDirectives: lines(this.directives),
      contacts,
    }
  }

  addContact(): void {
    this.contacts = [...this.contacts, { name: '', relationship: '', phone: '' }]
  }

  removeContact(index: number): void {
    this.contacts = this.contacts.filter((_, i) => i !== index)
  }

  /** Builds the IPS Bundle from the vault and the fields, as it would be published. */
  async buildPreview(): Promise<void> {
    if (this.busy) return
    this.busy = 'preview'
    this.error = ''
    try {
      await this.build()
    } catch (error) {
      this.error = reportError(error, 'building the emergency summary')
    } finally {
      this.busy = ''
    }
  }

  private async build(): Promise<FhirResource> {
    const { workspace } = this.context
    // Earlier published summaries (IPS Bundles in scope summary) are not sources of the next one.
    const wanted = workspace.vault.list().filter((record) => summaryScopes.includes(record.scope) && record.resourceType !== 'Bundle')
    const records: SummaryRecord[] = []
    for (const record of wanted) {
      const opened = await workspace.vault.openRecord(record.cid)
      // Who recorded it: whoever the resource names (a provider's write-back), else the patient (core names them).
      records.push(summaryRecordFromVault(opened))
    }
    const bundle = buildEmergencySummary(records, extrasOf(this.extras()), { now: new Date(), patientName: workspace.account.label })
    this.bundle = bundle
    this.preview = readEmergencySummary(bundle)
    this.minimumPreview = viewOfMinimum(await minimumOf(bundle))
    return bundle
  }

  /** First publish, or an update of the summary behind the same card. */
  async publish(): Promise<void> {
    if (this.busy) return
    const updating = this.published && this.card.open === this.open
    this.busy = updating ? 'update' : 'publish'
    this.error = ''
    this.status = ''
    this.steps.reset()
    const controller = (this.controller = new AbortController())
    try {
      const { context } = this
      this.steps.begin(0)
      const bundle = await this.build()
      this.steps.finish(0)
      await this.sharing.start()
      if (this.sharing.directory.careNodes.length === 0) await this.sharing.directory.load()
      const input = { context, bundle, open: this.open, proxies: this.sharing.directory.careNodes, progress: this.steps, signal: controller.signal }
      // A change of the open-card choice needs a new card: the QR itself differs.
      const result = updating && this.card.qrText ? await updateCard({ ...input, qrText: this.card.qrText, grantId: this.card.grantId! }) : await publishCard(input)
      const retired = this.card.grantId !== undefined && this.card.grantId !== result.grantId ? [...this.card.retired, this.card.grantId] : this.card.retired
      this.save({ qrText: result.qrText, grantId: result.grantId, open: this.open, publishedAt: Math.floor(Date.now() / 1000), extras: this.extras(), retired })
      this.status = updating ? 'Your card now shows the new summary. The card you printed keeps working.' : 'Your emergency card is published. Print it or save the lock-screen image.'
    } catch (error) {
      this.steps.failActive()
      this.error = controller.signal.aborted ? 'Publishing was cancelled. Nothing changed on your card.' : reportError(error, 'publishing the emergency card')
    } finally {
      this.busy = ''
      this.controller = undefined
    }
  }

  /** A new card; the old card's grant is revoked, so it stops at once. */
  async rotate(): Promise<void> {
    if (this.busy || !this.card.qrText || this.card.grantId === undefined) return
    this.busy = 'rotate'
    this.error = ''
    this.status = ''
    this.steps.reset()
    const controller = (this.controller = new AbortController())
    try {
      const { context } = this
      await this.sharing.grants.load()
      const grant = this.sharing.grants.grants.find((item) => item.grantId === this.card.grantId)
      if (!grant) throw new Error(`The card's grant #${this.card.grantId} was not found on chain.`)
      this.steps.begin(0)
      const bundle = await this.build()
      this.steps.finish(0)
      if (this.sharing.directory.careNodes.length === 0) await this.sharing.directory.load()
      const old = this.card.grantId
      const result = await rotateCard({ context, bundle, open: this.open, proxies: this.sharing.directory.careNodes, progress: this.steps, signal: controller.signal, qrText: this.card.qrText, grant, granteeKey: (grantee) => this.sharing.directory.doctor(grantee)?.umbralPublicKey })
      this.save({ qrText: result.qrText, grantId: result.grantId, open: this.open, publishedAt: Math.floor(Date.now() / 1000), extras: this.extras(), retired: [...this.card.retired, old] })
      this.status = 'Your old card no longer opens anything: print or save the new one now.'
      void this.sharing.grants.refresh()
    } catch (error) {
      this.steps.failActive()
      this.error = controller.signal.aborted ? 'Rotating was cancelled.' : reportError(error, 'rotating the emergency card')
    } finally {
      this.busy = ''
      this.controller = undefined
    }
  }

  cancel(): void {
    this.controller?.abort(new DOMException('Cancelled by the user', 'AbortError'))
  }

  /** The IPS Bundle as a FHIR JSON file. */
  bundleJson(): string | undefined {
    return this.bundle ? JSON.stringify(this.bundle, null, 2) : undefined
  }

  /** Every break-glass read of this patient's card grants (current and rotated). */
  async loadReads(): Promise<void> {
    this.readsError = ''
    try {
      await this.sharing.start()
      this.responders = (await listProviders(this.context.publicClient, { registry: this.context.config.contracts.Registry.address })).filter((entry) => entry.role === 'responder')
      const grants = this.sharing.grants.grants.filter((grant) => grant.scopes.length === 1 && grant.scopes[0] === 'summary')
      this.reads = grants.length === 0 ? [] : (await findReads(this.context, grants)).sort((a, b) => b.at - a.at)
    } catch (error) {
      this.readsError = reportError(error, 'reading who opened your emergency card')
    }
  }

  /** This device has made a card for the account (current or rotated): worth reading its history. */
  get hasCard(): boolean {
    return this.card.grantId !== undefined || this.card.retired.length > 0
  }

  /** The patient has seen every read so far. */
  markSeen(): void {
    const newest = Math.max(this.seenAt, ...this.reads.map((read) => read.at))
    this.seenAt = newest
    saveSeenReads(this.storage, this.context.workspace.account.address, newest)
  }

  responderName(account: Address): string {
    const entry = this.responders.find((item) => item.account.toLowerCase() === account.toLowerCase())
    if (entry) return `${entry.name}${entry.hospital ? ` (${entry.hospital})` : ''}`
    return this.localName(account) ?? `${shortHex(account, 4)} (not in the directory)`
  }

  /** On the local network the config names its demo accounts (responders need not list themselves, authorities never do). */
  private localName(account: Address): string | undefined {
    return this.context.config.localAccounts?.find((item) => item.address.toLowerCase() === account.toLowerCase())?.label
  }

  authorityName(account: Address): string {
    return this.localName(account) ?? shortHex(account, 4)
  }

  private save(card: StoredCard): void {
    const { workspace } = this.context
    this.card = card
    saveStoredCard(this.storage, workspace.account.address, workspace.keys.vaultKey, card)
    this.drawQr()
  }

  private drawQr(): void {
    this.shlSvg = ''
    if (!this.card.qrText) return void (this.qrSvg = '')
    try {
      this.qrSvg = qrSvg(this.card.qrText)
      const link = shlinkOf(this.card.qrText)
      if (link) this.shlSvg = qrSvg(link)
    } catch (error) {
      this.error = describeError(error)
    }
  }
}
