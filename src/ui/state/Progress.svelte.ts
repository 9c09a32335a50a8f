/** One long-running task's progress, shown by ProgressBar; `total` 0 means "size unknown". */
export class Progress {
  label = $state('')
  done = $state(0)
  total = $state(0)
  active = $state(false)

  begin(label: string, total = 0): void {
    this.label = label
    this.done = 0
    this.total = total
    this.active = true
  }

  /** Suitable as a vault `onProgress` callback. */
  update = (done: number, total: number): void => {
    this.done = done
    this.total = total
  }

  end(): void {
    this.active = false
  }
}
