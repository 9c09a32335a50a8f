// Starts the real local network (anvil + contracts + care nodes + Vite) once for all
// end-to-end tests, on ports apart from `npm start`'s so both can run side by side.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startLocalNetwork } from '../../../src/chain/deploy/localNetwork.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string
    rpcUrl: string
  }
}

export default async function setup(project: TestProject) {
  // Iterating on a test: point at a network you already run (`npm start`).
  if (process.env.SALUS_E2E_APP_URL) {
    project.provide('appUrl', process.env.SALUS_E2E_APP_URL)
    project.provide('rpcUrl', process.env.SALUS_E2E_RPC_URL ?? 'http://127.0.0.1:8545')
    return
  }
  const network = await startLocalNetwork({
    chainPort: Number(process.env.SALUS_E2E_CHAIN_PORT ?? 18545),
    carePorts: (process.env.SALUS_E2E_CARE_PORTS ?? '19101,19102,19103').split(',').map(Number),
    // SHL file servers: SALUS_E2E_CARE_HTTP_PORTS, else any free ports.
    ...(process.env.SALUS_E2E_CARE_HTTP_PORTS ? { careHttpPorts: process.env.SALUS_E2E_CARE_HTTP_PORTS.split(',').map(Number) } : {}),
    appPort: Number(process.env.SALUS_E2E_APP_PORT ?? 15173),
    withApp: true,
    configPath: join(mkdtempSync(join(tmpdir(), 'salus-e2e-')), 'salus.config.json'),
    log: (line: string) => process.env.SALUS_E2E_VERBOSE && console.log(`[net] ${line}`),
  })
  project.provide('appUrl', network.urls.app!)
  project.provide('rpcUrl', network.urls.rpc)
  return async () => {
    await network.stop()
  }
}
