// The app's Vite dev server alone (no chain, no care nodes) on a free port, for browser
// benchmarks whose page code needs only the app's modules (bench/pages/*).
import { createServer } from 'vite'
import { join } from 'node:path'
import { freePort } from '../../src/chain/deploy/freePort.ts'

export async function startBenchVite(): Promise<{ url: string; close(): Promise<void> }> {
  const port = await freePort()
  const server = await createServer({ configFile: join(import.meta.dirname, '..', '..', 'vite.config.ts'), server: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' })
  await server.listen()
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() }
}
