// Page side of the import worker: one plan per worker; cancelling terminates the worker.
import type { ImportPlan } from './importPlan.ts'
import type { ImportWorkerRequest, ImportWorkerResponse } from './importMessages.ts'
import { ImportReadError } from './importErrors.ts'

export type PlanFunction = (
  input: string | Uint8Array,
  p: { fileName: string; onProgress?(done: number, total: number): void; signal?: AbortSignal },
) => Promise<ImportPlan>

/** The part of a Worker used here (a real Worker fits). */
export type ImportWorker = {
  postMessage(message: ImportWorkerRequest, transfer?: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent<ImportWorkerResponse>) => void): void
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void
  terminate(): void
}

export function createImportWorker(): Worker {
  return new Worker(new URL('./importPlan.worker.ts', import.meta.url), { type: 'module', name: 'salus-import' })
}

/** planFhirImport, run in a fresh worker from `create`; the signal terminates it. */
export function planInWorker(create: () => ImportWorker = createImportWorker): PlanFunction {
  return (input, p) =>
    new Promise<ImportPlan>((resolve, reject) => {
      p.signal?.throwIfAborted()
      const worker = create()
      const done = () => {
        worker.terminate()
        p.signal?.removeEventListener('abort', abort)
      }
      const abort = () => {
        done()
        reject(p.signal?.reason ?? new DOMException('The import was cancelled.', 'AbortError'))
      }
      p.signal?.addEventListener('abort', abort, { once: true })
      worker.addEventListener('error', (event: ErrorEvent) => {
        done()
        reject(new ImportReadError({ details: `import worker: ${event.message}` }))
      })
      worker.addEventListener('message', (event: MessageEvent<ImportWorkerResponse>) => {
        const message = event.data
        if (message.type === 'progress') p.onProgress?.(message.done, message.total)
        else if (message.type === 'plan') {
          done()
          resolve(message.plan)
        } else {
          done()
          reject(new ImportReadError({ details: `${message.name}: ${message.message}` }))
        }
      })
      worker.postMessage({ type: 'plan', id: 1, input, fileName: p.fileName })
    })
}
