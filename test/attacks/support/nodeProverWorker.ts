// The app's prover worker protocol, answered in process by proveInNode: flows that take
// a ProverWorker (bookWithInsurance) run in Node with real Groth16 proofs.
import path from 'node:path'
import { SalusError } from '../../../src/errors/salusError.ts'
import type { ProverRequest, ProverResponse } from '../../../src/zk/proverMessages.ts'
import type { ProverWorker } from '../../../src/zk/proveInWorker.ts'
import { proveInNode } from '../../../src/zk/proveInNode.ts'

const artifactsDir = path.resolve(import.meta.dirname, '../../../public/zk')

export function nodeProverWorker(): ProverWorker {
  const listeners = new Set<(event: MessageEvent<ProverResponse>) => void>()
  const post = (data: ProverResponse) => queueMicrotask(() => listeners.forEach((listener) => listener({ data } as MessageEvent<ProverResponse>)))
  return {
    postMessage(message: ProverRequest) {
      proveInNode({ circuit: message.circuit, ...(message.depth === undefined ? {} : { depth: message.depth }), input: message.input, artifactsDir, onProgress: (progress) => post({ type: 'progress', id: message.id, progress }) }).then(
        (result) => post({ type: 'result', id: message.id, result }),
        (error: unknown) => {
          const e = error as SalusError
          post({ type: 'error', id: message.id, name: e.name ?? 'Error', shortMessage: e.shortMessage ?? String(e.message), details: e.details === undefined ? undefined : String(e.details) })
        },
      )
    },
    addEventListener: (_type, listener) => listeners.add(listener),
    removeEventListener: (_type, listener) => listeners.delete(listener),
  }
}
