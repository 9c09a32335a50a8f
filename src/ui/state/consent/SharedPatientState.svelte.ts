import { exportableResource } from '../../../core/vault/exportableResource.ts'
import { AccessEndedError } from '../../../flows/consent/accessErrors.ts'
import { openSharedRecords, openSharedRecordsSteps, type FailedSharedRecord, type SharedRecord } from '../../../flows/consent/openSharedRecords.ts'
import { describeError } from '../../../errors/salusError.ts'
import { downloadBlob, safeFileName } from '../../download.ts'
import { reportError } from '../reportError.ts'
import { careNodeAddresses, type ConsentContext } from './consentContext.ts'
import type { DirectoryState } from './DirectoryState.svelte.ts'
import type { PatientEntry } from './patientEntry.ts'
import { StepsState } from './StepsState.svelte.ts'
import { firstScreen, groupSharedRecords, type FirstScreen, type SharedRecordGroup } from './sharedHistory.ts'

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
  /** Words the doctor searches the history for. */
  query = $state('')
  /** Set once the first screen's records (allergies, medications, conditions) are all in. */
  firstScreenReady = $state(false)
  /** Records listed but not opened (the others are shown), in words. */
  failedNote = $state('')
  /** Said after the doctor cancelled an opening. */
  cancelledNote = $state('')
  private closeSources: () => void = () => {}
  private controller: AbortController | undefined

  /** Allergies, current medications and active problems. */
  get firstScreen(): FirstScreen {
    return firstScreen(this.records)
  }

  /** Every record by kind, filtered by the search. */
  get groups(): SharedRecordGroup[] {
    return groupSharedRecords(this.records, this.query)
  }

  /** Stops an opening: what it had shown so far is taken away (a half history is not shown as the history). */
  cancel(): void {
    this.controller?.abort(new DOMException('Cancelled by the doctor', 'AbortError'))
  }

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
    this.failedNote = ''
    this.cancelledNote = ''
    this.steps.reset()
    this.close()
    const controller = new AbortController()
    this.controller = controller
    // What was on screen stays until this opening's first record arrives (an ended access keeps it, marked).
    const previous = { records: this.records, firstScreenReady: this.firstScreenReady }
    let fresh: SharedRecord[] | undefined
    let pending: SharedRecord[] = []
    let scheduled = false
    // Records arrive faster than a page draws: they are shown once per frame.
    const show = () => {
      scheduled = false
      if (controller.signal.aborted || pending.length === 0) return
      if (!fresh) this.firstScreenReady = false
      fresh = [...(fresh ?? []), ...pending]
      pending = []
      this.records = fresh
    }
    try {
      const patient = this.consent.patient
      const opened = await openSharedRecords({
        signal: controller.signal,
        onRecord: (record) => {
          pending.push(record)
          if (!scheduled) {
            scheduled = true
            nextFrame(show)
          }
        },
        onFirstScreen: () => {
          show()
          if (!fresh) this.records = fresh = []
          this.firstScreenReady = true
        },
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
      show()
      this.records = opened.records
      this.firstScreenReady = true
      this.failedNote = failedNote(opened.failed)
      this.ended = false
    } catch (error) {
      if (controller.signal.aborted) {
        this.records = previous.records
        this.firstScreenReady = previous.firstScreenReady
        this.steps.reset()
        this.cancelledNote = 'Opening cancelled: nothing from it is shown. Open the records again when you are ready.'
        return
      }
      this.steps.failActive()
      this.error = reportError(error, 'opening shared records')
      if (isAccessEnded(error) && this.records.length > 0) this.ended = true
      if (error instanceof AccessEndedError) this.accessEndedAs = error.reason
    } finally {
      if (this.controller === controller) this.controller = undefined
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
    this.cancel()
    this.closeSources()
    this.closeSources = () => {}
  }
}

/** Once the page next draws (a timer where no frames are drawn). */
function nextFrame(run: () => void): void {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && document.visibilityState === 'visible') requestAnimationFrame(run)
  else setTimeout(run, 16)
}

/** "2 records could not be opened: <reason>", or '' when every record opened. */
function failedNote(failed: readonly FailedSharedRecord[]): string {
  if (failed.length === 0) return ''
  const reason = describeError(failed[0]!.error)
  return `${failed.length} shared ${failed.length === 1 ? 'record' : 'records'} could not be opened (the others are shown): ${reason}`
}

function isAccessEnded(error: unknown): boolean {
  if (error instanceof AccessEndedError) return true
  const code = (error as { code?: unknown; errorName?: unknown }).code
  const errorName = (error as { errorName?: unknown }).errorName
  return code === 'revoked' || code === 'expired' || errorName === 'Consent__GrantRevoked' || errorName === 'Consent__GrantExpired'
}
