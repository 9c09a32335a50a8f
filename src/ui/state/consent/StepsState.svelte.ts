export type Step = { label: string; state: 'waiting' | 'active' | 'done' | 'failed'; detail: string }

/** A long task as named steps, so the page shows where it is (never a frozen page) and where it failed. */
export class StepsState {
  steps = $state.raw<Step[]>([])
  private readonly labels: readonly string[]

  constructor(labels: readonly string[]) {
    this.labels = labels
  }

  get started(): boolean {
    return this.steps.length > 0
  }

  reset(): void {
    this.steps = this.labels.map((label) => ({ label, state: 'waiting', detail: '' }))
  }

  begin(index: number): void {
    this.set(index, { state: 'active', detail: '' })
  }

  detail(index: number, detail: string): void {
    this.set(index, { detail })
  }

  finish(index: number): void {
    this.set(index, { state: 'done' })
  }

  fail(index: number, detail: string): void {
    this.set(index, { state: 'failed', detail })
  }

  failActive(): void {
    const index = this.steps.findIndex((step) => step.state === 'active')
    if (index >= 0) this.set(index, { state: 'failed' })
  }

  private set(index: number, patch: Partial<Step>): void {
    this.steps = this.steps.map((step, i) => (i === index ? { ...step, ...patch } : step))
  }
}
