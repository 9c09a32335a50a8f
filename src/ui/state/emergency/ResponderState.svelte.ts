import { tick } from 'svelte'
import { SalusError } from '../../../errors/salusError.ts'
import { decodeQrImage, QrNotFoundError } from '../../../core/qr/decodeQr.ts'
import { decodeQrFile, imageDataFromVideo } from '../../qr/qrCanvas.ts'
import type { ConsentContext } from '../consent/consentContext.ts'
import { StepsState } from '../consent/StepsState.svelte.ts'
import { reportError } from '../reportError.ts'
import { decodeCard, openMinimum, readCard, readOpenCard, readSteps, type CardView } from './emergencyParts.ts'
import { viewOfMinimum } from './emergencyView.ts'
import { readEmergencySummary, type EmergencySummaryView } from '../../../core/emergency/emergencySummaryView.ts'
import type { FhirResource } from '../../../core/fhir/fhirTypes.ts'

export class CameraUnavailableError extends SalusError {
  override name = 'CameraUnavailableError' as const
  constructor(cause: unknown) {
    super('The camera could not be opened. Allow camera access for this page, or take a photo of the card and use "Open image".', { cause })
  }
}

/** The card from a `#card:…` address, a full URL carrying one, or the QR text: `card:<digits>` as core/emergency/cardPayload reads it. */
export function cardTextOf(value: string): string {
  const text = value.trim()
  const at = text.indexOf('card:')
  return at >= 0 ? decodeURIComponent(text.slice(at)) : text
}

/**
 * The responder page: scan (camera or image file), the card's minimum at once (no
 * network), then, online and after a clear confirmation, the break-glass read and the
 * full summary. Without sign-in (a `#card:` link) only the minimum and open cards.
 */
export class ResponderState {
  phase = $state<'ready' | 'camera' | 'card' | 'confirm' | 'reading' | 'summary'>('ready')
  card = $state.raw<CardView | undefined>()
  minimum = $state.raw<EmergencySummaryView | undefined>()
  full = $state.raw<EmergencySummaryView | undefined>()
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine)
  steps = new StepsState(readSteps)
  error = $state('')
  /** After a break-glass read: what was logged on chain. */
  logged = $state('')
  /** performance.now() marks for the benchmark: QR decoded, confirmation shown and given, full summary on screen. */
  timing = $state.raw<{ decoded?: number; asked?: number; confirmed?: number; shown?: number }>({})
  private text = ''
  private controller: AbortController | undefined
  private stream: MediaStream | undefined
  private scanTimer: ReturnType<typeof setTimeout> | undefined
  private readonly onOnline = () => (this.online = true)
  private readonly onOffline = () => (this.online = false)

  constructor(readonly context: ConsentContext | undefined) {
    if (typeof window !== 'undefined') {
      addEventListener('online', this.onOnline)
      addEventListener('offline', this.onOffline)
    }
  }

  /** Signed in with an account the chain may log a break-glass read from. */
  get canBreakGlass(): boolean {
    return this.context !== undefined
  }

  /** A card's text (from the camera, an image or a link): the minimum shows at once. */
  async accept(value: string): Promise<void> {
    this.stopCamera()
    this.error = ''
    this.full = undefined
    this.steps.reset()
    this.steps.steps = []
    this.timing = { decoded: performance.now() }
    const text = cardTextOf(value)
    try {
      this.card = decodeCard(text)
      this.text = text
      this.minimum = viewOfMinimum(await openMinimum(text))
      this.phase = 'card'
    } catch (error) {
      this.card = undefined
      this.minimum = undefined
      this.phase = 'ready'
      this.error = reportError(error, 'reading the emergency card')
      return
    }
    // An open card needs no break-glass read: anyone who scans it may read it.
    if (this.card.open && this.online) await this.readOpen()
  }

  async openImage(file: File): Promise<void> {
    this.error = ''
    try {
      await this.accept(await decodeQrFile(file))
    } catch (error) {
      this.error = reportError(error, 'reading the card image')
    }
  }

  /** Streams the back camera into `video` and decodes a frame every 150 ms until a card is found. */
  async startCamera(video: HTMLVideoElement): Promise<void> {
    this.error = ''
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 } }, audio: false })
    } catch (error) {
      this.error = new CameraUnavailableError(error).shortMessage
      return
    }
    this.phase = 'camera'
    video.srcObject = this.stream
    await video.play().catch(() => {})
    const scan = () => {
      if (!this.stream) return
      if (video.videoWidth > 0) {
        try {
          return void this.accept(decodeQrImage(imageDataFromVideo(video)))
        } catch (error) {
          // No code in this frame: try the next one.
          if (!(error instanceof QrNotFoundError)) console.warn('Salus: camera frame not read', error)
        }
      }
      this.scanTimer = setTimeout(scan, 150)
    }
    scan()
  }

  stopCamera(): void {
    clearTimeout(this.scanTimer)
    this.stream?.getTracks().forEach((track) => track.stop())
    this.stream = undefined
    if (this.phase === 'camera') this.phase = 'ready'
  }

  /** Shows the confirmation; the read starts only once the responder confirms. */
  ask(): void {
    this.phase = 'confirm'
    this.timing = { ...this.timing, asked: performance.now() }
  }

  /** The break-glass read: logged on chain, then the proxies re-encrypt for the card key and this responder. */
  async read(): Promise<void> {
    if (!this.context || this.phase === 'reading') return
    this.timing = { ...this.timing, confirmed: performance.now() }
    this.phase = 'reading'
    this.error = ''
    this.steps.reset()
    const controller = (this.controller = new AbortController())
    try {
      const { bundle, txHash } = await readCard({ text: this.text, context: this.context, progress: this.steps, signal: controller.signal })
      this.logged = `Break-glass read logged on chain (transaction ${txHash.slice(0, 10)}…); the patient will see it.`
      await this.show(bundle)
    } catch (error) {
      this.steps.failActive()
      this.phase = 'card'
      this.error = controller.signal.aborted ? 'Stopped. The minimum from the card is still shown.' : reportError(error, 'reading the full summary')
    } finally {
      this.controller = undefined
    }
  }

  private async readOpen(): Promise<void> {
    this.phase = 'reading'
    const controller = (this.controller = new AbortController())
    try {
      await this.show(await readOpenCard(this.text, { signal: controller.signal }))
    } catch (error) {
      this.phase = 'card'
      this.error = controller.signal.aborted ? 'Stopped. The minimum from the card is still shown.' : reportError(error, 'opening the open card')
    } finally {
      this.controller = undefined
    }
  }

  private async show(bundle: FhirResource): Promise<void> {
    this.full = readEmergencySummary(bundle)
    this.phase = 'summary'
    await tick()
    this.timing = { ...this.timing, shown: performance.now() }
  }

  cancel(): void {
    if (this.phase === 'confirm') return void (this.phase = 'card')
    this.controller?.abort(new DOMException('Cancelled by the responder', 'AbortError'))
  }

  /** Back to "Scan card" for the next patient. */
  reset(): void {
    this.cancel()
    this.stopCamera()
    this.card = undefined
    this.minimum = undefined
    this.full = undefined
    this.text = ''
    this.error = ''
    this.steps.steps = []
    this.timing = {}
    this.logged = ''
    this.phase = 'ready'
  }

  dispose(): void {
    this.reset()
    if (typeof window !== 'undefined') {
      removeEventListener('online', this.onOnline)
      removeEventListener('offline', this.onOffline)
    }
  }
}
