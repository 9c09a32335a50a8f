import { readProvider } from '../../../chain/readProvider.ts'
import type { KeyFragmentBundle } from '../../../core/consent/keyFragmentBundle.ts'
import { openGrantContact } from '../../../core/consent/keyFragmentBundle.ts'
import { receivingSecretKey } from '../../../crypto/umbral.ts'
import { collectAnswers, type DoctorAnswer } from '../../../flows/careLoop/collectAnswers.ts'
import { openGrantBundle } from '../../../flows/careLoop/openGrantBundle.ts'
import { sendWriteBack } from '../../../flows/careLoop/sendWriteBack.ts'
import { practitionerReference } from '../../../core/fhir/doctorForms.ts'
import { checkPrescription, type CheckedRecord, type CheckResult } from '../../../core/pharmacy/checks/checkPrescription.ts'
import { withOverriddenWarnings } from '../../../core/pharmacy/pharmacyRecords.ts'
import { PharmacyUnavailableError } from '../../../flows/pharmacy/pharmacyFlowErrors.ts'
import { prescribe, prescribeSteps } from '../../../flows/pharmacy/prescribe.ts'
import { reportError } from '../reportError.ts'
import { careNodeAddresses, type ConsentContext } from '../consent/consentContext.ts'
import type { PatientEntry } from '../consent/patientEntry.ts'
import { StepsState } from '../consent/StepsState.svelte.ts'
import { writeBackKinds, writeBackResource, writeBackTitle, type WriteBackFields, type WriteBackKind } from './writeBackForm.ts'

/** An item the doctor wrote back, and what became of it. */
export type SentItem = {
  id: string
  grantId: string
  patient: string
  title: string
  /** Unix seconds. */
  sentAt: number
  status: 'sent' | 'delivered' | 'accepted' | 'declined'
  reason?: string
}

const storageKey = (account: string) => `salus:${account.toLowerCase()}:write-backs`
const statusOrder = { sent: 0, delivered: 1, accepted: 2, declined: 2 } as const

/** The doctor's "Write back" forms for patients with an active grant, and the status of every item sent. */
export class WriteBackState {
  readonly steps = new StepsState(['Signing with your account', 'Sealing it for the patient only', 'Handing it to the patient’s browser', 'Leaving it in the patient’s mailbox'])
  readonly prescriptionSteps = new StepsState([...prescribeSteps])
  /** Per warning message, the doctor's reason to go on despite it (kept on the prescription). */
  overrides = $state<Record<string, string>>({})
  /**
   * The prescribing checks (src/core/pharmacy/checks) of the medication typed, against what
   * this doctor has open of the patient: allergies, duplicates, interactions, and what was not checked.
   */
  check = $derived.by((): (CheckResult & { records: number }) | undefined => {
    const medication = String(this.fields.medication ?? '').trim()
    if (this.kind !== 'prescription' || !this.patient || !medication) return undefined
    const records = this.recordsOf(this.patient.grantId)
    return { ...checkPrescription({ medication: { text: medication }, records }), records: records.length }
  })
  patient = $state.raw<PatientEntry | undefined>()
  kind = $state<WriteBackKind>('note')
  fields = $state<WriteBackFields>({})
  visitDate = $state(new Date().toISOString().slice(0, 10))
  file = $state.raw<{ contentType: string; title: string; bytes: Uint8Array } | undefined>()
  busy = $state(false)
  error = $state('')
  status = $state('')
  items = $state.raw<SentItem[]>([])
  readonly kinds = writeBackKinds
  private bundles = new Map<string, KeyFragmentBundle>()

  constructor(
    private readonly context: ConsentContext,
    /** The records of the grant the doctor has open (the prescribing checks read them); none when closed. */
    private readonly recordsOf: (grantId: string) => CheckedRecord[] = () => [],
  ) {
    this.items = loadItems(context.account)
  }

  /** Opens the form for one patient (a grant). */
  begin(patient: PatientEntry): void {
    this.patient = patient
    this.error = ''
    this.status = ''
    this.steps.reset()
    this.prescriptionSteps.reset()
    this.overrides = {}
  }

  end(): void {
    this.patient = undefined
  }

  async setFile(file: File | undefined): Promise<void> {
    this.file = file ? { contentType: file.type, title: file.name, bytes: new Uint8Array(await file.arrayBuffer()) } : undefined
  }

  async send(): Promise<void> {
    const patient = this.patient
    if (this.busy || !patient) return
    this.busy = true
    this.error = ''
    this.status = ''
    this.steps.reset()
    this.prescriptionSteps.reset()
    const { context } = this
    const key = receivingSecretKey(context.workspace.keys.preMasterSeed)
    const prescribing = this.kind === 'prescription'
    try {
      const author = { account: context.account, name: await this.doctorName() }
      let resource = writeBackResource(this.kind, this.fields, { author, visitDate: this.visitDate, ...(this.file ? { file: this.file } : {}) })
      const pharmacy = context.config.contracts.Pharmacy
      if (prescribing) {
        if (!pharmacy) throw new PharmacyUnavailableError('This network has no pharmacy contract, so prescriptions cannot be signed for pharmacies here.')
        const warnings = this.check?.warnings ?? []
        // Every warning needs the doctor's reason; it is kept on the prescription as a DetectedIssue.
        resource = withOverriddenWarnings(resource, warnings.map((warning) => ({ warning, reason: this.overrides[warning.message] ?? '' })))
      }
      const bundle = await this.bundle(patient.grantId)
      await context.ensureChain()
      const shared = {
        node: await context.node(),
        careNodes: careNodeAddresses(context),
        deployment: { chainId: context.config.chainId, consent: context.consent.address },
        grant: { grantId: BigInt(patient.grantId), bundle },
        receivingKey: key,
      }
      const result = prescribing
        ? await prescribe({
            ...shared,
            doctor: { account: context.account, signTypedData: (typedData) => context.walletClient.signTypedData(typedData as Parameters<typeof context.walletClient.signTypedData>[0]) },
            request: resource,
            pharmacy: pharmacy!.address,
            progress: this.prescriptionSteps,
          })
        : await sendWriteBack({
            ...shared,
            doctor: { account: context.account, signTypedData: (typedData) => context.walletClient.signTypedData(typedData) },
            resource,
            progress: this.steps,
          })
      const item: SentItem = { id: result.id, grantId: patient.grantId, patient: patient.label, title: writeBackTitle(this.kind, this.fields), sentAt: Math.floor(Date.now() / 1000), status: result.status }
      this.setItems([item, ...this.items.filter((entry) => entry.id !== item.id)])
      this.status =
        result.status === 'delivered' ? `${item.title} delivered to the patient’s browser.` : `${item.title} sent: it waits, sealed for the patient, on the care nodes until they open Salus.`
      this.fields = {}
      this.file = undefined
      this.overrides = {}
    } catch (error) {
      this.steps.failActive()
      this.prescriptionSteps.failActive()
      this.error = reportError(error, 'writing back to a patient')
    } finally {
      key.free()
      this.busy = false
    }
  }

  /** Answers from patients (delivered / accepted / declined with a reason), from the doctor's mailbox. */
  async collect(): Promise<DoctorAnswer[]> {
    const grants = [...new Set(this.items.filter((item) => item.status !== 'accepted' && item.status !== 'declined').map((item) => item.grantId))]
    if (grants.length === 0) return []
    const contacts = new Map<bigint, Uint8Array>()
    const key = receivingSecretKey(this.context.workspace.keys.preMasterSeed)
    try {
      for (const grantId of grants) {
        try {
          const contact = openGrantContact(await this.bundle(grantId), key)
          if (contact) contacts.set(BigInt(grantId), contact.mailbox)
        } catch (error) {
          console.warn(`Salus: the bundle of grant #${grantId} could not be opened`, error)
        }
      }
      return await collectAnswers({
        node: await this.context.node(),
        careNodes: careNodeAddresses(this.context),
        receivingKey: key,
        contactOf: (grantId) => contacts.get(grantId),
        keep: async (answers) => this.apply(answers),
      })
    } finally {
      key.free()
    }
  }

  private apply(answers: readonly DoctorAnswer[]): void {
    let changed = false
    const next = this.items.map((item) => {
      const latest = answers.filter((answer) => answer.itemId === item.id && answer.grantId.toString() === item.grantId).at(-1)
      if (!latest || statusOrder[latest.status] < statusOrder[item.status]) return item
      changed = true
      return { ...item, status: latest.status, ...(latest.reason ? { reason: latest.reason } : {}) }
    })
    if (!changed) return
    // Throws when storage fails: the answers then stay in the mailbox for the next try.
    localStorage.setItem(storageKey(this.context.account), JSON.stringify(next.slice(0, 500)))
    this.items = next
  }

  private async bundle(grantId: string): Promise<KeyFragmentBundle> {
    const known = this.bundles.get(grantId)
    if (known) return known
    const { context } = this
    const bundle = await openGrantBundle({
      publicClient: context.publicClient,
      deployment: { consent: context.consent.address, fromBlock: BigInt(context.consent.deployBlock) },
      grantId: BigInt(grantId),
      grantee: context.account,
      node: await context.node(),
      careNodes: careNodeAddresses(context),
      preMasterSeed: context.workspace.keys.preMasterSeed,
    })
    this.bundles.set(grantId, bundle)
    return bundle
  }

  private async doctorName(): Promise<string> {
    const entry = await readProvider(this.context.publicClient, { registry: this.context.config.contracts.Registry.address, account: this.context.account })
    return entry?.name ?? this.context.workspace.account.label
  }

  private setItems(items: SentItem[]): void {
    this.items = items
    try {
      localStorage.setItem(storageKey(this.context.account), JSON.stringify(items.slice(0, 500)))
    } catch (error) {
      console.warn('Salus: the items sent could not be saved', error)
    }
  }
}

function loadItems(account: string): SentItem[] {
  let raw: unknown
  try {
    raw = JSON.parse(localStorage.getItem(storageKey(account)) ?? '[]')
  } catch {
    return []
  }
  if (!Array.isArray(raw)) return []
  return raw.slice(0, 500).flatMap((value): SentItem[] => {
    const item = value as Partial<SentItem>
    if (typeof item?.id !== 'string' || typeof item.grantId !== 'string' || !/^\d{1,78}$/.test(item.grantId) || typeof item.title !== 'string' || typeof item.patient !== 'string') return []
    if (typeof item.sentAt !== 'number' || !(item.status && item.status in statusOrder)) return []
    return [{ id: item.id.slice(0, 128), grantId: item.grantId, patient: item.patient.slice(0, 64), title: item.title.slice(0, 120), sentAt: item.sentAt, status: item.status, ...(typeof item.reason === 'string' ? { reason: item.reason.slice(0, 500) } : {}) }]
  })
}
