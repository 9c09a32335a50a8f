import { exportableResource } from '../../../core/vault/exportableResource.ts'
import { AccessEndedError } from '../../../flows/consent/accessErrors.ts'
import { openSharedRecords, openSharedRecordsSteps, type SharedRecord } from '../../../flows/consent/openSharedRecords.ts'
import { downloadBlob, safeFileName } from '../../download.ts'
import { reportError } from '../reportError.ts'
import { careNodeAddresses, type ConsentContext } from './consentContext.ts'
import type { DirectoryState } from './DirectoryState.svelte.ts'
import type { PatientEntry } from './patientEntry.ts'
import { StepsState } from './StepsState.svelte.ts'

/** One patient's shared records as the doctor opens them: log a session, list manifests, decrypt through the proxies. */
export class SharedPatientState {
  readonly steps = new StepsState([...openSharedRecordsSteps])
  records = $state.raw<SharedRecord[]>([])
  busy = $state(false)
  error = $state('')
  /** Set when access ended after records were opened: they stay on screen, marked. */
  ended = $state(false)
  /** Set once the chain (or this page's clock) shows the grant revoked or expired: nothing can be opened any more. */
  accessEndedAs = $state<'revoked' | 'expired' | undefined>()
  /** Where blocks came from this time, in words. */
  source = $state('')
  selected = $state.raw<SharedRecord | undefined>()
  private closeSources: () => void = () => {}

  constructor(
    private readonly context: ConsentContext,
    private readonly directory: DirectoryState,
    readonly consent: PatientEntry,
  ) {}

  get label(): string {
    return this.consent.label
  }

  /** The doctor's page learnt that access ended: say so, keep what is on screen marked, offer nothing more. */
  accessEnded(reason: 'revoked' | 'expired'): void {
    if (this.accessEndedAs === reason || this.busy) return
    this.accessEndedAs = reason
    this.error = new AccessEndedError(reason).shortMessage
    if (this.records.length > 0) this.ended = true
  }

  /** Opens (or refreshes) the records (openSharedRecords); on revoke or expiry what is shown stays, with a note. */
  async open(): Promise<void> {
    if (this.busy || !this.consent.grantId) return
    const { context, directory } = this
    this.busy = true
    this.error = ''
    this.steps.reset()
    try {
      this.close()
      const patient = this.consent.patient
      const opened = await openSharedRecords({
        publicClient: context.publicClient,
        walletClient: context.walletClient,
        ensureChain: () => context.ensureChain(),
        deployment: { consent: context.consent.address, fromBlock: BigInt(context.consent.deployBlock) },
        node: () => context.node(),
        keys: context.workspace.keys,
        grantee: context.account,
        grantId: BigInt(this.consent.grantId),
        careNodes: careNodeAddresses(context),
        ...(patient ? { patient } : {}),
        directoryCareNodes: async () => {
          if (directory.careNodes.length === 0) await directory.load()
          return directory.careNodes
        },
        progress: this.steps,
      })
      this.closeSources = opened.close
      this.source = opened.patientAddress
        ? 'The patient is online: records come straight from their browser (and care nodes).'
        : 'The patient is offline: records come from the care nodes.'
      this.records = opened.records
      this.ended = false
    } catch (error) {
      this.steps.failActive()
      this.error = reportError(error, 'opening shared records')
      if (isAccessEnded(error) && this.records.length > 0) this.ended = true
      if (error instanceof AccessEndedError) this.accessEndedAs = error.reason
    } finally {
      this.busy = false
    }
  }

  async exportRecord(record: SharedRecord): Promise<void> {
    try {
      const resource = await exportableResource(record.resource, record.attachment)
      downloadBlob(new Blob([JSON.stringify(resource, null, 2)], { type: 'application/fhir+json' }), safeFileName(record.title, 'json'))
    } catch (error) {
      this.error = reportError(error, 'exporting a shared record')
    }
  }

  close(): void {
    this.closeSources()
    this.closeSources = () => {}
  }
}

function isAccessEnded(error: unknown): boolean {
  if (error instanceof AccessEndedError) return true
  const code = (error as { code?: unknown; errorName?: unknown }).code
  const errorName = (error as { errorName?: unknown }).errorName
  return code === 'revoked' || code === 'expired' || errorName === 'Consent__GrantRevoked' || errorName === 'Consent__GrantExpired'
}
