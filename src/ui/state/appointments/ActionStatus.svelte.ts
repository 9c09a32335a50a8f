import type { Hash } from 'viem'
import { reportError } from '../reportError.ts'

/** What the last action achieved, with the transaction that proves it. */
export type ActionReceipt = { text: string; txHash?: Hash }

/** One page's running action, its outcome sentence and the receipt of the last transaction. */
export class ActionStatus {
  /** What is running ('' when idle), shown as busy text and used to disable buttons. */
  busy = $state('')
  error = $state('')
  done = $state.raw<ActionReceipt | undefined>()

  /** Runs one action at a time; a failure becomes the error sentence (the console keeps the cause). */
  async run<T>(label: string, work: () => Promise<T>, receipt?: (result: T) => ActionReceipt): Promise<T | undefined> {
    if (this.busy) return undefined
    this.busy = label
    this.error = ''
    this.done = undefined
    try {
      const result = await work()
      if (receipt) this.done = receipt(result)
      return result
    } catch (error) {
      this.error = reportError(error, label)
      return undefined
    } finally {
      this.busy = ''
    }
  }
}
