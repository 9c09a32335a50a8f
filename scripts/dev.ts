/**
 * `npm start`: the whole local network (anvil, contracts, care nodes, Vite) until Ctrl-C.
 * Ports: SALUS_CHAIN_PORT (8545), SALUS_CARE_PORTS (9101,9102,9103), SALUS_CARE_HTTP_PORTS (each care port + 100), SALUS_APP_PORT (5173).
 */
import { rmSync } from 'node:fs'
import path from 'node:path'
import { describeError } from '../src/errors/salusError.ts'
import { startLocalNetwork, type LocalNetwork } from '../src/chain/deploy/localNetwork.ts'

function portFromEnv(name: string, fallback: number): number {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`${name} must be a TCP port, not "${value}"`)
  return port
}

function portsFromEnv(name: string, fallback: number[]): number[] {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  return value.split(',').map((part) => {
    const port = Number(part.trim())
    if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`${name} must be comma-separated TCP ports, not "${value}"`)
    return port
  })
}

async function main(): Promise<void> {
  const chainPort = portFromEnv('SALUS_CHAIN_PORT', 8545)
  const carePorts = portsFromEnv('SALUS_CARE_PORTS', [9101, 9102, 9103])
  const careHttpPorts = portsFromEnv('SALUS_CARE_HTTP_PORTS', carePorts.map((port) => port + 100))
  const appPort = portFromEnv('SALUS_APP_PORT', 5173)

  let network: LocalNetwork | undefined
  let stopping: Promise<void> | undefined
  const shutdown = (reason: string, exitCode = 0): Promise<void> => {
    stopping ??= (async () => {
      console.log(`\nStopping the local network (${reason})…`)
      await network?.stop()
      console.log('Stopped.')
      process.exit(exitCode)
    })()
    return stopping
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal))

  // Anvil starts from genesis every time; care nodes start empty with it, so no pin,
  // manifest head or peer record outlives the chain it belonged to.
  const careStorageDir = path.resolve('.salus/care-nodes')
  rmSync(careStorageDir, { recursive: true, force: true })
  network = await startLocalNetwork({
    chainPort,
    carePorts,
    careHttpPorts,
    appPort,
    withApp: true,
    careStorageDir,
    log: (line) => console.log(line),
  })
  if (stopping) return

  console.log('')
  console.log(`Salus is running: ${network.urls.app}`)
  console.log(`Chain RPC: ${network.urls.rpc} (chain ${network.config.chainId})`)
  console.log(`Care nodes: ${network.config.careNodes.map((node) => node.multiaddrs[0]).join('\n            ')}`)
  console.log('')
  console.log('Demo accounts (public anvil test keys, local network only):')
  const width = Math.max(...network.accounts.map((account) => account.label.length))
  for (const account of network.accounts) {
    console.log(`  ${account.label.padEnd(width)}  ${account.role.padEnd(17)}  ${account.address}`)
  }
  console.log('')
  console.log('Press Ctrl-C to stop everything.')

  const crashed = await network.childExited
  await shutdown(`${crashed.name} exited with ${crashed.code ?? crashed.signal}`, 1)
}

main().catch(async (error: unknown) => {
  console.error(describeError(error))
  if (error instanceof Error && error.cause) console.error(error.cause)
  process.exit(1)
})
