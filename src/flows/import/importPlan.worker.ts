/// <reference lib="webworker" />
// Reading and checking an import file off the main thread (a Synthea patient is thousands of
// resources): the page stays responsive. Start it with createImportWorker() (planInWorker.ts).
// Encryption and storing stay on the page, where the keys and the vault's IndexedDB are.
import { planFhirImport } from './importPlan.ts'
import type { ImportWorkerRequest, ImportWorkerResponse } from './importMessages.ts'

const scope = self as unknown as DedicatedWorkerGlobalScope
const post = (message: ImportWorkerResponse) => scope.postMessage(message)
scope.addEventListener('message', (event: MessageEvent<ImportWorkerRequest>) => {
  const request = event.data
  if (request?.type !== 'plan') return
  planFhirImport(request.input, { fileName: request.fileName, onProgress: (done, total) => post({ type: 'progress', id: request.id, done, total }) })
    .then((plan) => post({ type: 'plan', id: request.id, plan }))
    .catch((error: unknown) =>
      post({ type: 'error', id: request.id, name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) }),
    )
})
