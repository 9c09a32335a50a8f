import type { AccountClients } from '../../chain/accountClients.ts'
import { listProviders } from '../../chain/listProviders.ts'
import type { ProviderEntry } from '../../chain/providerEntry.ts'
import { describeResource } from '../../core/fhir/describeResource.ts'
import type { Description } from '../../core/fhir/resourceDescribers.ts'
import type { Vault } from '../../core/vault/Vault.ts'
import type { RecordSummary } from '../../core/vault/types.ts'
import { acceptInboxItem } from '../../flows/inbox/acceptInboxItem.ts'
import type { InboxItem, InboxSource } from '../../flows/inbox/inboxItem.ts'
import { reportError } from './reportError.ts'
import { InboxUnavailableError } from '../../flows/inbox/inboxErrors.ts'

/** An item as the page shows it: readable fields and the doctor's directory entry (absent: not listed, so not verified). */
export type InboxRow = { item: InboxItem; view: Description; doctor: ProviderEntry | undefined }

export type InboxHost = {
  readonly vault: Vault
  readonly clients: AccountClients | undefined
  /** After a record joined the vault: the list refreshes and the next anchor batch is scheduled. */
  recordsChanged(): void
}

const declinedKey = (account: string) => `salus:inbox-declined:${account.toLowerCase()}`

/**
 * The patient's inbox of doctors' write-backs: collects from the source (part mailbox's
 * collectInbox), shows each with the doctor's verified directory name, and accepts
 * (flows/inbox/acceptInboxItem) or declines with a reason. Ids already accepted (in the
 * vault) or declined (remembered on this device) are not shown again.
 */
export class InboxState {
  rows = $state.raw<InboxRow[]>([])
  loading = $state(false)
  loaded = $state(false)
  /** The item being accepted or declined. */
  working = $state<string | undefined>()
  error = $state('')
  status = $state('')
  /** The last item accepted, for "recorded by Dr. …, verified". */
  accepted = $state.raw<{ summary: RecordSummary; doctorName: string } | undefined>()
  private doctors: ProviderEntry[] = []
  private controller: AbortController | undefined

  constructor(
    private readonly host: InboxHost,
    private readonly account: string,
    /** Absent until the mailbox transport is connected (part mailbox). */
    private readonly source: InboxSource | undefined,
  ) {}

  get count(): number {
    return this.rows.length
  }

  get connected(): boolean {
    return this.source !== undefined
  }

  async refresh(): Promise<void> {
    if (!this.source) {
      this.loaded = true
      return
    }
    this.controller?.abort()
    const controller = (this.controller = new AbortController())
    this.loading = true
    this.error = ''
    try {
      const [items] = await Promise.all([this.source.collect({ signal: controller.signal }), this.loadDirectory()])
      if (controller.signal.aborted) return
      const declined = this.declined()
      this.rows = items
        .filter((item) => !declined.has(item.id) && !this.host.vault.findByItem(item.id))
        .sort((a, b) => b.receivedAt - a.receivedAt)
        .map((item) => ({ item, view: describeResource(item.resource), doctor: this.doctor(item.from) }))
    } catch (error) {
      if (!controller.signal.aborted) this.error = reportError(error, 'collecting your inbox')
    } finally {
      if (this.controller === controller) {
        this.loading = false
        this.loaded = true
      }
    }
  }

  /**
   * A write-back a doctor delivered straight to this tab: checked like a collected one (a
   * refusal throws back to the doctor with its sentence), then shown at once. Its mailbox
   * copy is dropped by id at the next collection.
   */
  async receiveOnline(bytes: Uint8Array): Promise<void> {
    if (!this.source?.receive) throw new InboxUnavailableError()
    const item = await this.source.receive(bytes, Date.now())
    if (this.rows.some((row) => row.item.id === item.id) || this.knownIds().has(item.id)) return
    await this.loadDirectory()
    this.rows = [{ item, view: describeResource(item.resource), doctor: this.doctor(item.from) }, ...this.rows]
    this.loaded = true
  }

  async accept(row: InboxRow): Promise<void> {
    const clients = this.host.clients
    if (!this.source || !clients || this.working) return
    this.working = row.item.id
    this.error = ''
    this.status = ''
    try {
      const { config, publicClient } = clients
      const consent = config.contracts.Consent
      if (!consent) throw new InboxUnavailableError()
      const result = await acceptInboxItem({
        vault: this.host.vault,
        item: row.item,
        chain: { client: publicClient, registry: config.contracts.Registry.address, fromBlock: BigInt(config.contracts.Registry.deployBlock), chainId: config.chainId, consent: consent.address },
        answer: (item, answer) => this.source!.answer(item, answer),
      })
      const doctorName = result.verdict.authorName ?? row.doctor?.name ?? row.item.from
      this.rows = this.rows.filter((r) => r.item.id !== row.item.id)
      this.accepted = { summary: result.summary, doctorName }
      const what = row.item.withdraws ? 'Withdrawn' : row.item.replaces ? 'Amended' : 'Recorded'
      this.status =
        `${what} by ${doctorName}, verified: “${result.summary.title}” is in your records and will be anchored with the next batch.` +
        (result.answered ? '' : ' The doctor could not be told yet; Salus tries again later.')
      this.host.recordsChanged()
    } catch (error) {
      this.error = reportError(error, 'accepting an item')
    } finally {
      this.working = undefined
    }
  }

  async decline(row: InboxRow, reason: string): Promise<void> {
    if (!this.source || this.working) return
    const trimmed = reason.trim()
    if (!trimmed) return void (this.error = 'Say in a few words why you decline, so the doctor can correct it.')
    if (trimmed.length > 500) return void (this.error = 'Keep the reason under 500 characters.')
    this.working = row.item.id
    this.error = ''
    this.status = ''
    try {
      await this.source.answer(row.item, { outcome: 'declined', reason: trimmed })
      this.remember(row.item.id)
      this.rows = this.rows.filter((r) => r.item.id !== row.item.id)
      this.status = `Declined “${row.view.title}”. ${row.doctor?.name ?? 'The doctor'} will see your reason.`
    } catch (error) {
      this.error = reportError(error, 'declining an item')
    } finally {
      this.working = undefined
    }
  }

  /** Accepted (in the vault) and declined (on this device) item ids: collection leaves them out. */
  knownIds(): Set<string> {
    return new Set([...this.host.vault.acceptedItems(), ...this.declined()])
  }

  dispose(): void {
    this.controller?.abort()
  }

  private doctor(account: string): ProviderEntry | undefined {
    return this.doctors.find((d) => d.account.toLowerCase() === account.toLowerCase() && d.role === 'doctor' && d.active)
  }

  private async loadDirectory(): Promise<void> {
    const clients = this.host.clients
    if (!clients) return
    this.doctors = await listProviders(clients.publicClient, { registry: clients.config.contracts.Registry.address, role: 'doctor' })
  }

  private declined(): Set<string> {
    try {
      const raw = JSON.parse(localStorage.getItem(declinedKey(this.account)) ?? '[]') as unknown
      return new Set(Array.isArray(raw) ? raw.filter((id): id is string => typeof id === 'string') : [])
    } catch {
      return new Set()
    }
  }

  private remember(id: string): void {
    const ids = [...this.declined(), id].slice(-1000)
    localStorage.setItem(declinedKey(this.account), JSON.stringify(ids))
  }
}
