// A throw-away local chain for a test or a benchmark: anvil on a free port, answered once
// it serves JSON-RPC, in its own process group so stop() ends it and anything it spawned.
// Node only; the one anvil helper of tests and benchmarks (./localNetwork.ts runs the
// long-lived one of `npm start`).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { createPublicClient, http } from 'viem'
import { resolveDevTool } from './devTools.ts'
import { SalusError } from '../../errors/salusError.ts'
import { freePort } from './freePort.ts'

const root = path.resolve(import.meta.dirname, '../../..')

export type Anvil = {
  rpcUrl: string
  port: number
  chainId: number
  /** Ends anvil at once (SIGKILL to its process group); safe to call twice. */
  stop(): void
}

export class AnvilStartError extends SalusError {
  override name = 'AnvilStartError'
}

export async function startAnvil({ chainId = 31337 }: { chainId?: number } = {}): Promise<Anvil> {
  const port = await freePort()
  const child = spawn(resolveDevTool('anvil'), ['--port', String(port), '--host', '127.0.0.1', '--chain-id', String(chainId), '--silent'], {
    stdio: 'ignore',
    detached: true,
  })
  let failure: Error | undefined
  child.once('error', (error) => (failure = new AnvilStartError('anvil could not be started: run npm install, or install Foundry and put anvil on PATH.', { cause: error })))
  child.once('exit', (code) => (failure ??= new AnvilStartError(`anvil exited with code ${code} before it answered on port ${port}`)))
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  const rpcUrl = `http://127.0.0.1:${port}`
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })
  for (let attempt = 0; attempt < 300 && !failure; attempt++) {
    try {
      await probe.getChainId()
      return { rpcUrl, port, chainId, stop }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  stop()
  throw failure ?? new AnvilStartError(`anvil did not answer on ${rpcUrl} within 30 s`)
}
