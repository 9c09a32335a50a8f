/** How a flow reports its steps (the page's StepsState takes these calls as they are). */
export type FlowProgress = {
  begin(step: number): void
  detail(step: number, detail: string): void
  finish(step: number): void
}

export const silentProgress: FlowProgress = { begin() {}, detail() {}, finish() {} }

/** Throws the signal's reason when the user cancelled. */
export function checkCancelled(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted()
}
