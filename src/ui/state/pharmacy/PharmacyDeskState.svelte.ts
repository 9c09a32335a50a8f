import { formatEther, parseEther, type Address } from 'viem'
import { readProvider } from '../../../chain/readProvider.ts'
import type { ProviderEntry } from '../../../chain/providerEntry.ts'
import { decodeQrImage } from '../../../core/qr/decodeQr.ts'
import { collectPharmacyPrescriptions } from '../../../flows/pharmacy/collectPharmacyPrescriptions.ts'
import { dispensePrescription, dispenseSteps, refusePrescription } from '../../../flows/pharmacy/dispensePrescription.ts'
import type { PharmacyChain } from '../../../flows/pharmacy/pharmacyChain.ts'
import { PrescriptionRefusedError, type PrescriptionRefusal } from '../../../flows/pharmacy/pharmacyFlowErrors.ts'
import { verifyPrescription, type PrescriptionReview } from '../../../flows/pharmacy/verifyPrescription.ts'
import { decodeQrFile, imageDataFromVideo } from '../../qr/qrCanvas.ts'
import { mailboxAccessOf } from '../careLoop/mailboxAccessOf.ts'
import type { ConsentContext } from '../consent/consentContext.ts'
import { StepsState } from '../consent/StepsState.svelte.ts'
import { reportError } from '../reportError.ts'
import { pharmacyChainOf } from './pharmacyChainOf.ts'

export type Sale = Awaited<ReturnType<PharmacyChain['sales']>>[number]
type Received = { id: string; text: string; at: number }

const receivedKey = (account: string) => `salus:${account.toLowerCase()}:pharmacy-received`

/**
 * The pharmacist's desk (issue 12): scan a prescription's QR (camera or photo) or open one a
 * patient sent; see it verified (the prescriber's identity and certification on the day of
 * prescribing, dispenses and repeats from the chain); dispense with an invoice, or refuse with
 * a reason; sales and earnings, and withdraw.
 */
export class PharmacyDeskState {
  readonly steps = new StepsState([...dispenseSteps])
  review = $state.raw<PrescriptionReview | undefined>()
  prescriber = $state.raw<ProviderEntry | undefined>()
  received = $state.raw<Received[]>([])
  sales = $state.raw<Sale[]>([])
  earnings = $state(0n)
  price = $state('0.012')
  reason = $state('')
  camera = $state(false)
  busy = $state(false)
  error = $state('')
  status = $state('')
  readonly chain: PharmacyChain
  private stream: MediaStream | undefined
  private me: ProviderEntry | undefined

  constructor(private readonly context: ConsentContext) {
    this.chain = pharmacyChainOf(context)
    this.received = loadReceived(context.account)
  }

  async refresh(): Promise<void> {
    this.error = ''
    try {
      await collectPharmacyPrescriptions({
        preMasterSeed: this.context.workspace.keys.preMasterSeed,
        mailbox: mailboxAccessOf(this.context),
        keep: (items) => {
          const fresh = items.filter((item) => !this.received.some((known) => known.text === item.text)).map((item) => ({ ...item, at: Date.now() }))
          this.received = [...fresh, ...this.received].slice(0, 200)
          localStorage.setItem(receivedKey(this.context.account), JSON.stringify(this.received))
        },
      })
      const [sales, earnings] = await Promise.all([this.chain.sales(this.context.account), this.chain.withdrawable(this.context.account)])
      this.sales = sales
      this.earnings = earnings
    } catch (error) {
      this.error = reportError(error, 'collecting prescriptions and sales')
    }
  }

  /** A prescription's text (a QR's, a link's, or a patient's message): verified and shown. */
  async open(text: string): Promise<void> {
    this.error = ''
    this.status = ''
    this.reason = ''
    this.steps.reset()
    this.busy = true
    try {
      this.review = await verifyPrescription(text.trim(), this.chain)
      this.prescriber = this.review.doctor.entry
    } catch (error) {
      this.review = undefined
      this.error = reportError(error, 'reading the prescription')
    } finally {
      this.busy = false
    }
  }

  async openImage(file: File): Promise<void> {
    try {
      await this.open(await decodeQrFile(file))
    } catch (error) {
      this.error = reportError(error, 'reading the picture')
    }
  }

  async startCamera(video: HTMLVideoElement): Promise<void> {
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } })
      video.srcObject = this.stream
      await video.play()
      this.camera = true
      const tick = () => {
        if (!this.camera) return
        try {
          const text = decodeQrImage(imageDataFromVideo(video))
          this.stopCamera()
          void this.open(text)
        } catch {
          setTimeout(tick, 150)
        }
      }
      tick()
    } catch (error) {
      this.error = reportError(error, 'opening the camera')
      this.stopCamera()
    }
  }

  stopCamera(): void {
    this.camera = false
    this.stream?.getTracks().forEach((track) => track.stop())
    this.stream = undefined
  }

  async dispense(): Promise<void> {
    const review = this.review
    if (!review || this.busy) return
    this.busy = true
    this.error = ''
    this.status = ''
    this.steps.reset()
    try {
      let price: bigint
      try {
        price = parseEther(this.price.trim() || 'x')
      } catch {
        throw new PrescriptionRefusedError('wrong-fee', `“${this.price}” is not an amount of ETH`)
      }
      await this.context.ensureChain()
      const result = await dispensePrescription({
        review,
        price,
        pharmacist: await this.author(),
        chain: this.chain,
        signMessage: (digest) => this.context.walletClient.signMessage({ message: { raw: digest } }),
        mailbox: mailboxAccessOf(this.context),
        progress: this.steps,
      })
      // Read again (the count moved on), then say what was done.
      await this.open(review.text)
      this.status = `Dispensed (fill ${result.dispenseNumber} of ${review.fills}); invoice #${result.invoiceId} for ${formatEther(price)} ETH sent to the patient.`
      await this.refresh()
    } catch (error) {
      this.steps.failActive()
      this.error = reportError(error, 'dispensing')
    } finally {
      this.busy = false
    }
  }

  async refuse(): Promise<void> {
    const review = this.review
    if (!review || this.busy) return
    this.busy = true
    this.error = ''
    this.status = ''
    try {
      await refusePrescription({
        review,
        reason: this.reason,
        pharmacist: await this.author(),
        chain: this.chain,
        signMessage: (digest) => this.context.walletClient.signMessage({ message: { raw: digest } }),
        mailbox: mailboxAccessOf(this.context),
      })
      this.status = 'Refused: the patient is told why.'
      this.reason = ''
    } catch (error) {
      this.error = reportError(error, 'refusing the prescription')
    } finally {
      this.busy = false
    }
  }

  async withdraw(): Promise<void> {
    if (this.busy) return
    this.busy = true
    this.error = ''
    try {
      await this.context.ensureChain()
      const { amount, txHash } = await this.chain.withdraw()
      this.status = `Withdrew ${formatEther(amount)} ETH (transaction ${txHash}).`
      await this.refresh()
    } catch (error) {
      this.error = reportError(error, 'withdrawing')
    } finally {
      this.busy = false
    }
  }

  /** The refusal in words (the same sentence a dispense attempt would throw). */
  refusalSentence(reason: PrescriptionRefusal): string {
    return new PrescriptionRefusedError(reason).shortMessage
  }

  dispose(): void {
    this.stopCamera()
  }

  private async author(): Promise<{ account: Address; name: string; pharmacy: string }> {
    this.me ??= await readProvider(this.context.publicClient, { registry: this.chain.registry, account: this.context.account })
    return { account: this.context.account, name: this.me?.name ?? this.context.workspace.account.label, pharmacy: this.me?.hospital || this.me?.name || 'Pharmacy' }
  }
}

function loadReceived(account: string): Received[] {
  try {
    const raw = JSON.parse(localStorage.getItem(receivedKey(account)) ?? '[]') as unknown
    return Array.isArray(raw) ? raw.filter((r): r is Received => typeof r?.text === 'string' && typeof r?.id === 'string').slice(0, 200) : []
  } catch {
    return []
  }
}
