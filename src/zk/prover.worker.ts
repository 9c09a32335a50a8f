// SPDX-License-Identifier: GPL-3.0-or-later
/// <reference lib="webworker" />
// Groth16 proving off the main thread; start it with createProverWorker() (proveInWorker.ts).
import { createProverHandler } from './proverHandler.ts'
import type { ProverRequest, ProverResponse } from './proverMessages.ts'

const scope = self as unknown as DedicatedWorkerGlobalScope
const handle = createProverHandler((response: ProverResponse) => scope.postMessage(response))
scope.addEventListener('message', (event: MessageEvent<ProverRequest>) => void handle(event.data))
