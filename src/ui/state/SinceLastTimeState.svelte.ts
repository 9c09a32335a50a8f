import type { Address } from 'viem'
import { listProviders } from '../../chain/listProviders.ts'
import { findPatientGrants } from '../../flows/consent/findPatientGrants.ts'
import type { ConsentWorkspace } from './consent/consentContext.ts'

const visitKey = (account: string) => `salus:last-visit:${account.toLowerCase()}`

export type RecordOpening = { doctorName: string; at: number }

/**
 * "What happened since last time": on opening Salus the patient sees items waiting in
 * the inbox, who opened their records (AccessLogged on their grants, by the doctor's
 * directory name), access requests waiting and break-glass reads. The last visit is
 * kept per account on this device (localStorage, a time only).
 * Seams: `requests` is part requests' count of waiting access requests
 * (collectAccessRequests), `breakGlass` part glass's findBreakGlassReads; absent, their
 * lines are left out.
 */
export class SinceLastTimeState {
  /** Unix seconds of the previous visit; undefined on the first visit on this device. */
  readonly previous: number | undefined
  openings = $state.raw<RecordOpening[]>([])
  breakGlassReads = $state.raw<{ responder: string; at: number }[]>([])
  loaded = $state(false)
  dismissed = $state(false)
  error = $state('')

  constructor(
    private readonly workspace: ConsentWorkspace,
    private readonly seams: {
      inboxCount: () => number
      requests?: () => number
      breakGlass?: (grantIds: bigint[]) => Promise<{ responder: Address; at: number }[]>
    },
    now = Math.floor(Date.now() / 1000),
  ) {
    const key = visitKey(workspace.account.address)
    // No storage (a test, a locked-down browser): every visit is a first one.
    const storage = globalThis.localStorage as Storage | undefined
    const stored = Number(storage?.getItem(key))
    this.previous = Number.isSafeInteger(stored) && stored > 0 ? stored : undefined
    storage?.setItem(key, String(now))
  }

  get inboxCount(): number {
    return this.seams.inboxCount()
  }

  get requestCount(): number | undefined {
    return this.seams.requests?.()
  }

  /** Whether there is anything to tell (the notice stays hidden otherwise). */
  get hasNews(): boolean {
    return this.inboxCount > 0 || this.openings.length > 0 || (this.requestCount ?? 0) > 0 || this.breakGlassReads.length > 0
  }

  async load(): Promise<void> {
    const clients = this.workspace.clients
    const consent = clients?.config.contracts.Consent
    try {
      if (!clients || !consent || this.previous === undefined) return
      const since = this.previous
      const [found, doctors] = await Promise.all([
        findPatientGrants(clients.publicClient, {
          chainId: clients.config.chainId,
          consent: consent.address,
          fromBlock: BigInt(consent.deployBlock),
          identitySecret: this.workspace.keys.identitySecret,
        }),
        listProviders(clients.publicClient, { registry: clients.config.contracts.Registry.address, role: 'doctor', includeInactive: true }),
      ])
      const name = (account: string) => doctors.find((d) => d.account.toLowerCase() === account.toLowerCase())?.name ?? account
      this.openings = found.sessions
        .filter((session) => session.timestamp > since)
        .sort((a, b) => b.timestamp - a.timestamp)
        .map((session) => ({ doctorName: name(session.grantee), at: session.timestamp }))
      if (this.seams.breakGlass) {
        const reads = await this.seams.breakGlass(found.grants.map((g) => g.grantId))
        this.breakGlassReads = reads.filter((r) => r.at > since).map((r) => ({ responder: name(r.responder), at: r.at }))
      }
    } catch (error) {
      // Only a summary: the pages themselves show the details and their errors.
      console.warn('Salus: could not read what happened since last time', error)
      this.error = 'Salus could not read who opened your records from the chain just now.'
    } finally {
      this.loaded = true
    }
  }
}
