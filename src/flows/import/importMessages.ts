import type { ImportPlan } from './importPlan.ts'

/** Page → import worker. */
export type ImportWorkerRequest = { type: 'plan'; id: number; input: string | Uint8Array; fileName: string }

/** Import worker → page. Errors cross as plain data. */
export type ImportWorkerResponse =
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'plan'; id: number; plan: ImportPlan }
  | { type: 'error'; id: number; name: string; message: string }
