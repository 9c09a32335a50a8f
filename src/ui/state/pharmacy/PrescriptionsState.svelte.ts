import { formatEther, type Hex } from 'viem'
import { listProviders } from '../../../chain/listProviders.ts'
import { listPrescriptionDispenses, type PrescriptionDispense } from '../../../chain/pharmacy/listPrescriptionDispenses.ts'
import type { ProviderEntry } from '../../../chain/providerEntry.ts'
import { readProvider } from '../../../chain/readProvider.ts'
import { overriddenWarningsOf } from '../../../core/pharmacy/pharmacyRecords.ts'
import type { SignedPharmacyNotice } from '../../../core/pharmacy/pharmacyMessages.ts'
import { collectPharmacyNotices, heldPrescriptions, keepDispenseRecords, payPharmacyInvoice, sendPrescriptionToPharmacy, type HeldPrescription } from '../../../flows/pharmacy/patientPrescriptions.ts'
import type { PharmacyChain } from '../../../flows/pharmacy/pharmacyChain.ts'
import { repeatsLeft } from '../../../flows/pharmacy/verifyPrescription.ts'
import { mailboxAccessOf } from '../careLoop/mailboxAccessOf.ts'
import { listMemberLeaves } from '../../../chain/insurance/listMemberLeaves.ts'
import { readPlans } from '../../../chain/insurance/readPlans.ts'
import { readPrescriptionCover } from '../../../chain/pharmacy/readPrescriptionCover.ts'
import { findCredentials } from '../../../flows/appointments/findCredentials.ts'
import { payInvoiceWithInsurance } from '../../../flows/pharmacy/payInvoiceWithInsurance.ts'
import { PharmacyUnavailableError } from '../../../flows/pharmacy/pharmacyFlowErrors.ts'
import { identityCommitment } from '../../../zk/identity.ts'
import { createProverWorker } from '../../../zk/proveInWorker.ts'
import type { ConsentContext } from '../consent/consentContext.ts'
import { reportError } from '../reportError.ts'
import { pharmacyChainOf } from './pharmacyChainOf.ts'
import { loadNotices, saveNotices, type KeptNotice } from './noticeStore.ts'

/** One prescription as the patient's page shows it. */
export type PrescriptionRow = {
  held: HeldPrescription
  medication: string
  dosage: string
  doctor: string
  fills: number
  dispensed: number
  repeatsLeft: number
  expired: boolean
  /** When and where each fill was dispensed (from the chain; the directory names the pharmacy). */
  dispenses: (PrescriptionDispense & { where: string })[]
  warnings: ReturnType<typeof overriddenWarningsOf>
  notices: KeptNotice[]
}

/**
 * The patient's prescriptions (issue 12): those in the vault with a signed token; for each,
 * its QR link, its dispenses read from the chain (when, where, repeats left), sending it to a
 * pharmacy from the directory, what pharmacies sent back (dispense + invoice, or refusal),
 * paying an invoice in ETH, and the dispense and receipt joining the vault.
 */
export class PrescriptionsState {
  rows = $state.raw<PrescriptionRow[]>([])
  pharmacies = $state.raw<ProviderEntry[]>([])
  loading = $state(false)
  loaded = $state(false)
  working = $state('')
  error = $state('')
  status = $state('')
  private notices: KeptNotice[]
  private worker: Worker | undefined
  private readonly chain: PharmacyChain

  constructor(
    private readonly context: ConsentContext,
    private readonly recordsChanged: () => void,
  ) {
    this.chain = pharmacyChainOf(context)
    this.notices = loadNotices(context.account)
  }

  /** The QR's text: `<origin>/#rx:…` (any pharmacy's Salus opens it). */
  link(row: PrescriptionRow): string {
    return `${location.origin}${location.pathname}#${row.held.text}`
  }

  async refresh(): Promise<void> {
    if (this.loading) return
    this.loading = true
    this.error = ''
    try {
      const held = await heldPrescriptions(this.context.workspace.vault)
      if (this.pharmacies.length === 0) {
        this.pharmacies = (await listProviders(this.context.publicClient, { registry: this.context.config.contracts.Registry.address, role: 'pharmacist' })).filter((entry) => entry.active)
      }
      await this.collect(held)
      this.rows = await Promise.all(held.map((item) => this.row(item)))
    } catch (error) {
      this.error = reportError(error, 'reading your prescriptions')
    } finally {
      this.loading = false
      this.loaded = true
    }
  }

  async send(row: PrescriptionRow, pharmacistAccount: string): Promise<void> {
    const pharmacist = this.pharmacies.find((entry) => entry.account.toLowerCase() === pharmacistAccount.toLowerCase())
    if (!pharmacist || this.working) return
    this.working = row.held.rxHash
    this.error = ''
    this.status = ''
    try {
      await sendPrescriptionToPharmacy({ text: row.held.text, pharmacist, mailbox: mailboxAccessOf(this.context) })
      this.status = `Sent to ${pharmacist.name}: it waits, sealed for them, until they open Salus.`
    } catch (error) {
      this.error = reportError(error, 'sending the prescription')
    } finally {
      this.working = ''
    }
  }

  async pay(notice: KeptNotice): Promise<void> {
    if (this.working) return
    this.working = notice.key
    this.error = ''
    this.status = ''
    try {
      await this.context.ensureChain()
      const signed = reviveNotice(notice)
      const paid = await payPharmacyInvoice({ notice: signed, chain: this.chain })
      await keepDispenseRecords({ vault: this.context.workspace.vault, notice: signed, payment: { txHash: paid.txHash, covered: false, paidAt: new Date().toISOString() } })
      this.update(notice.key, { paidTx: paid.txHash, kept: true })
      this.recordsChanged()
      this.status = `Paid ${formatEther(paid.amount)} ETH (transaction ${paid.txHash}). The dispense record and the receipt are in your records.`
      await this.refresh()
    } catch (error) {
      this.error = reportError(error, 'paying the invoice')
    } finally {
      this.working = ''
    }
  }

  /**
   * Pays from the insurer's pool (a plan of the patient's that covers prescriptions): a
   * one-off account sends it with a zero-knowledge proof; nobody learns which member paid.
   */
  async payCovered(notice: KeptNotice): Promise<void> {
    if (this.working || !notice.invoice) return
    this.working = notice.key
    this.error = ''
    this.status = ''
    try {
      const { publicClient, config } = this.context
      const insurance = config.contracts.Insurance
      if (!insurance) throw new PharmacyUnavailableError('This network has no insurance contract: pay the invoice yourself.')
      const fromBlock = BigInt(insurance.deployBlock)
      this.status = 'Looking for your insurance'
      const plans = await readPlans(publicClient, { insurance: insurance.address, fromBlock })
      const insurers = [...new Set(plans.map((plan) => plan.insurer.toLowerCase() as `0x${string}`))]
      const leavesByInsurer = new Map(await Promise.all(insurers.map(async (insurer) => [insurer, await listMemberLeaves(publicClient, { insurance: insurance.address, insurer, fromBlock })] as const)))
      const secret = this.context.workspace.keys.identitySecret
      const credentials = findCredentials({ identityCommitment: await identityCommitment(secret), plans, leavesByInsurer, now: Math.floor(Date.now() / 1000) })
      const covers = await Promise.all(credentials.map((c) => readPrescriptionCover(publicClient, { insurance: insurance.address, planId: c.plan.planId })))
      const credential = credentials.find((_, i) => covers[i]!.perPeriod > 0)
      if (!credential) throw new PharmacyUnavailableError('None of your insurance plans covers prescriptions: pay the invoice yourself.')
      this.worker ??= createProverWorker()
      const paid = await payInvoiceWithInsurance({
        context: { config, chainId: config.chainId, insurance: insurance.address, fromBlock, publicClient, pharmacy: this.chain.pharmacy },
        identitySecret: secret,
        credential,
        invoiceId: BigInt(notice.invoice.id),
        worker: this.worker,
        onStep: (text, percent) => (this.status = percent === undefined ? text : `${text} (${percent}%)`),
      })
      await keepDispenseRecords({ vault: this.context.workspace.vault, notice: reviveNotice(notice), payment: { txHash: paid.txHash, covered: true, paidAt: new Date().toISOString() } })
      this.update(notice.key, { paidTx: paid.txHash, kept: true })
      this.recordsChanged()
      this.status = `Paid by “${credential.plan.name}” (${formatEther(paid.covered)} ETH from the pool${paid.topUp > 0n ? `, ${formatEther(paid.topUp)} ETH topped up` : ''}), transaction ${paid.txHash}, sent by a one-off account.`
      await this.refresh()
    } catch (error) {
      this.status = ''
      this.error = reportError(error, 'paying with your insurance')
    } finally {
      this.working = ''
    }
  }

  dispose(): void {
    this.worker?.terminate()
  }

  /** A refusal's record joins the vault when the patient keeps it. */
  async keep(notice: KeptNotice): Promise<void> {
    if (this.working) return
    this.working = notice.key
    try {
      await keepDispenseRecords({ vault: this.context.workspace.vault, notice: reviveNotice(notice) })
      this.update(notice.key, { kept: true })
      this.recordsChanged()
      await this.refresh()
    } catch (error) {
      this.error = reportError(error, 'keeping the pharmacy’s record')
    } finally {
      this.working = ''
    }
  }

  private async collect(held: HeldPrescription[]): Promise<void> {
    if (held.length === 0) return
    await collectPharmacyNotices({
      prescriptions: held,
      mailbox: mailboxAccessOf(this.context),
      chain: this.chain,
      keep: (received) => {
        const fresh = received.map(keptNotice).filter((n) => !this.notices.some((known) => known.key === n.key))
        this.notices = [...this.notices, ...fresh]
        saveNotices(this.context.account, this.notices)
      },
    })
  }

  private async row(held: HeldPrescription): Promise<PrescriptionRow> {
    const { token } = held
    const request = token.medicationRequest
    const dispenses = await listPrescriptionDispenses(this.context.publicClient, { pharmacy: this.chain.pharmacy, rxHash: held.rxHash, fromBlock: BigInt(this.context.config.contracts.Pharmacy!.deployBlock) })
    const names = new Map<string, string>()
    for (const dispense of dispenses) {
      const key = dispense.pharmacist.toLowerCase()
      if (!names.has(key)) names.set(key, this.pharmacies.find((p) => p.account.toLowerCase() === key)?.name ?? (await readProvider(this.context.publicClient, { registry: this.chain.registry, account: dispense.pharmacist }))?.name ?? dispense.pharmacist)
    }
    const doctor = String((request.requester as { display?: string } | undefined)?.display ?? token.doctor)
    return {
      held,
      medication: String((request.medicationCodeableConcept as { text?: string } | undefined)?.text ?? 'Medication'),
      dosage: String((request.dosageInstruction as { text?: string }[] | undefined)?.[0]?.text ?? ''),
      doctor,
      fills: token.repeats + 1,
      dispensed: dispenses.length,
      repeatsLeft: repeatsLeft(token.repeats, dispenses.length),
      expired: Date.now() / 1000 > token.notAfter,
      dispenses: dispenses.map((d) => ({ ...d, where: names.get(d.pharmacist.toLowerCase()) ?? d.pharmacist })),
      warnings: overriddenWarningsOf(request),
      notices: this.notices.filter((n) => n.rxHash === held.rxHash.toLowerCase()).sort((a, b) => b.at - a.at),
    }
  }

  private update(key: string, change: Partial<KeptNotice>): void {
    this.notices = this.notices.map((n) => (n.key === key ? { ...n, ...change } : n))
    saveNotices(this.context.account, this.notices)
  }
}

function keptNotice(notice: SignedPharmacyNotice): KeptNotice {
  return {
    key: `${notice.rxHash}:${notice.at}:${notice.signature.slice(2, 18)}`,
    kind: notice.kind,
    rxHash: notice.rxHash.toLowerCase(),
    pharmacist: notice.pharmacist,
    at: notice.at,
    chainId: notice.chainId,
    pharmacy: notice.pharmacy,
    dispense: notice.dispense,
    ...(notice.invoice ? { invoice: { resource: notice.invoice.resource, id: notice.invoice.id.toString(), amount: notice.invoice.amount.toString() } } : {}),
    ...(notice.txHash ? { txHash: notice.txHash } : {}),
    signature: notice.signature,
  }
}

function reviveNotice(kept: KeptNotice): SignedPharmacyNotice {
  return {
    kind: kept.kind,
    rxHash: kept.rxHash as Hex,
    pharmacist: kept.pharmacist,
    at: kept.at,
    chainId: kept.chainId,
    pharmacy: kept.pharmacy,
    dispense: kept.dispense,
    ...(kept.invoice ? { invoice: { resource: kept.invoice.resource, id: BigInt(kept.invoice.id), amount: BigInt(kept.invoice.amount) } } : {}),
    ...(kept.txHash ? { txHash: kept.txHash } : {}),
    signature: kept.signature,
  }
}
