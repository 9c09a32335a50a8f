import type { Vault } from '../../core/vault/Vault.ts'
import type { AnchorInfo } from '../../core/vault/types.ts'
import { reportError } from './reportError.ts'

/** Anchoring costs gas, so records are batched: anchored on demand or after this long without new ones. */
export const anchorQuietPeriodMs = 10_000

/** The anchoring strip: how many records wait, anchoring now, and anchoring by itself after a quiet period. */
export class AnchorState {
  readonly vault: Vault
  readonly available: boolean
  pending = $state(0)
  anchoring = $state(false)
  error = $state('')
  last = $state.raw<AnchorInfo | undefined>()
  /** When the automatic anchoring will run (ms since epoch), for the countdown text. */
  scheduledAt = $state<number | undefined>()
  /** Called after a batch is anchored so the record list shows the new anchors. */
  onAnchored: () => void = () => {}
  private timer: ReturnType<typeof setTimeout> | undefined

  /** `available` is false when no chain is configured: records then stay waiting, with no error. */
  constructor(vault: Vault, available: boolean) {
    this.vault = vault
    this.available = available
    this.refresh()
    if (this.pending > 0) this.schedule()
  }

  refresh(): void {
    this.pending = this.vault.pendingAnchors()
  }

  /** New records arrived: restart the quiet period. */
  schedule(): void {
    this.refresh()
    this.cancel()
    if (!this.available || this.pending === 0) return
    this.scheduledAt = Date.now() + anchorQuietPeriodMs
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.anchorNow()
    }, anchorQuietPeriodMs)
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.scheduledAt = undefined
  }

  async anchorNow(): Promise<void> {
    if (this.anchoring || !this.available) return
    this.cancel()
    this.anchoring = true
    this.error = ''
    try {
      const info = await this.vault.anchorPending()
      if (info) this.last = info
      this.onAnchored()
    } catch (error) {
      this.error = reportError(error, 'anchoring records')
    } finally {
      this.anchoring = false
      this.refresh()
    }
  }

  dispose(): void {
    this.cancel()
  }
}
