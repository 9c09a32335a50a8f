/**
 * The whole local network in one call: anvil, Salus contracts deployed and seeded,
 * three care nodes (relay, pinning, re-encryption proxy; each its own process,
 * certified and listed in the Registry), the config file the app reads, and Vite. `npm start` (scripts/dev.ts), the tests and the browser benchmarks use it. Node only.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { SalusError } from '../../errors/salusError.ts'
import { parseNetworkConfig, type LocalAccount, type NetworkConfig } from '../networkConfig.ts'
import type { Address, Hex } from 'viem'
import { anvilAccount, deploySalus, registerCareNode } from './deploySalus.ts'
import { resolveDevTool } from './devTools.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

export class PortInUseError extends SalusError {
  override name = 'PortInUseError' as const
  readonly port: number
  constructor(port: number, envVariable: string) {
    super(`Port ${port} is in use: stop what uses it or set ${envVariable}`)
    this.port = port
  }
}

export class LocalNetworkError extends SalusError {
  override name = 'LocalNetworkError' as const
  constructor(what: string, details: string) {
    super(`The local network could not start: ${what}. See the log above, fix it, and run npm start again.`, { details })
  }
}

export type StartLocalNetworkParameters = {
  chainPort?: number
  carePorts?: number[]
  /** HTTP ports of the care nodes (SMART Health Link files); 0 or absent: any free port (npm start passes each care port + 100). */
  careHttpPorts?: number[]
  appPort?: number
  withApp?: boolean
  /** Where the app's config is written; tests point this elsewhere. */
  configPath?: string
  /**
   * Care nodes keep their key files and blocks here (one folder each). When undefined,
   * blocks stay in memory and the key files go to a temporary folder removed on stop.
   */
  careStorageDir?: string
  log?: (line: string) => void
}

export type LocalNetwork = {
  config: NetworkConfig
  urls: { app?: string; rpc: string; config: string }
  accounts: LocalAccount[]
  /** Process ids of every child (anvil, care nodes, Vite), each leading its own process group. */
  pids: number[]
  /** Settles when a child exits on its own (a crash); dev.ts then stops the rest. */
  childExited: Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null }>
  stop(): Promise<void>
}

/** `failure` is set when the child could not be started at all (no 'exit' then). */
type Child = { name: string; process: ChildProcess; exited: Promise<void>; failure?: LocalNetworkError }

export async function startLocalNetwork({
  chainPort = 8545,
  carePorts = [9101, 9102, 9103],
  careHttpPorts = carePorts.map(() => 0),
  appPort = 5173,
  withApp = true,
  configPath = path.join(root, 'public/config/salus.config.json'),
  careStorageDir,
  log = () => {},
}: StartLocalNetworkParameters = {}): Promise<LocalNetwork> {
  // Before anything starts: a missing tool is one sentence saying what to install.
  const anvilCommand = resolveDevTool('anvil')
  await assertPortFree(chainPort, 'SALUS_CHAIN_PORT')
  for (const port of carePorts) await assertPortFree(port, 'SALUS_CARE_PORTS')
  if (careHttpPorts.length !== carePorts.length) throw new LocalNetworkError('one HTTP port per care node is needed', `${careHttpPorts.length} for ${carePorts.length}`)
  for (const port of careHttpPorts) if (port !== 0) await assertPortFree(port, 'SALUS_CARE_HTTP_PORTS')
  if (withApp) await assertPortFree(appPort, 'SALUS_APP_PORT')

  const children: Child[] = []
  const failureOf = (child: ChildProcess) => children.find((entry) => entry.process === child)?.failure
  let stopping = false
  let reportExit: (exit: { name: string; code: number | null; signal: NodeJS.Signals | null }) => void = () => {}
  const childExited = new Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    reportExit = resolve
  })
  const launch = (name: string, command: string, args: string[], options: { stdin?: 'pipe'; env?: NodeJS.ProcessEnv } = {}) => {
    const child = spawn(command, args, {
      cwd: root,
      // Own process group, so stop() can end a child and whatever it spawned.
      detached: true,
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    })
    const entry: Child = { name, process: child, exited: Promise.resolve() }
    entry.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        if (!stopping) reportExit({ name, code, signal })
        resolve()
      })
      // A command that cannot be run (ENOENT, EACCES) emits 'error' and never 'exit'.
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return // a failed kill of a running child; 'exit' follows
        entry.failure = new LocalNetworkError(`${name} could not be started (${error.code ?? error.message}, ${command})`, error.message)
        if (!stopping) reportExit({ name, code: null, signal: null })
        resolve()
      })
    })
    children.push(entry)
    return child
  }
  // Each care node's key file lives in its data directory (random keys, made on first start).
  const keysDir = careStorageDir ?? mkdtempSync(path.join(tmpdir(), 'salus-care-keys-'))
  const stop = async (): Promise<void> => {
    stopping = true
    await Promise.all(children.map((child) => endProcessGroup(child)))
    if (!careStorageDir) rmSync(keysDir, { recursive: true, force: true })
  }

  try {
    log(`Starting anvil on port ${chainPort}…`)
    const anvil = launch('anvil', anvilCommand, ['--port', String(chainPort), '--host', '127.0.0.1', '--silent'])
    anvil.stderr?.on('data', (data: Buffer) => log(`[anvil] ${data.toString().trim()}`))
    const rpcUrl = `http://127.0.0.1:${chainPort}`
    await waitForRpc(rpcUrl, anvil, failureOf)

    log('Deploying and seeding the Salus contracts…')
    const deployed = await deploySalus({ rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
    // Care nodes are re-encryption proxies too, so they start once Consent is deployed.
    const chain = { rpcUrl, registry: deployed.contracts.Registry.address, consent: deployed.contracts.Consent, emergency: deployed.contracts.Emergency?.address }
    const started = await Promise.all(carePorts.map((port, index) => startCareNodeProcess(launch, { port, httpPort: careHttpPorts[index]!, index, dataDir: keysDir, storeBlocks: careStorageDir !== undefined, chain, log })))
    for (const [index, node] of started.entries()) {
      if (!node.proxy) continue
      await registerCareNode({
        rpcUrl,
        registrarKey: anvilAccount(0).privateKey,
        registry: chain.registry,
        careNode: { ...node.proxy, peerId: node.peerId, multiaddrs: node.multiaddrs, name: `Care node ${index + 1}` },
      })
    }
    const careNodes = started.map(({ peerId, multiaddrs, httpUrl }) => ({ peerId, multiaddrs, ...(httpUrl ? { httpUrl } : {}) }))
    const config = parseNetworkConfig({
      ...deployed,
      relays: careNodes.flatMap((node) => node.multiaddrs),
      careNodes,
    })
    mkdirSync(path.dirname(configPath), { recursive: true })
    writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n')
    log(`Wrote ${path.relative(root, configPath) || configPath}`)

    let app: string | undefined
    if (withApp) {
      log(`Starting Vite on port ${appPort}…`)
      // Our own Node (22), not whatever `node` the vite shebang finds on PATH.
      const vite = launch('vite', process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), '--port', String(appPort), '--strictPort'], {
        env: { SALUS_APP_PORT: String(appPort), SALUS_CONFIG_PATH: configPath },
      })
      vite.stderr?.on('data', (data: Buffer) => log(`[vite] ${data.toString().trim()}`))
      app = `http://localhost:${appPort}/`
      await waitForHttp(app, vite, failureOf)
    }
    return {
      config,
      urls: { ...(app ? { app } : {}), rpc: rpcUrl, config: configPath },
      accounts: config.localAccounts ?? [],
      pids: children.map((child) => child.process.pid!).filter(Boolean),
      childExited,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Checks a port on the loopback interface before anything is started, so the message names the fix. */
export async function assertPortFree(port: number, envVariable: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)))
  })
  if (!free) throw new PortInUseError(port, envVariable)
}

type Launch = (name: string, command: string, args: string[], options?: { stdin?: 'pipe' }) => ChildProcess

type CareNodeChain = { rpcUrl: string; registry: Address; consent: { address: Address; deployBlock: number } | undefined; emergency?: Address | undefined }
type StartedCareNode = { peerId: string; multiaddrs: string[]; httpUrl?: string; proxy?: { address: Address; umbralPublicKey: Hex } }

async function startCareNodeProcess(
  launch: Launch,
  parameters: { port: number; httpPort: number; index: number; dataDir: string; storeBlocks: boolean; chain: CareNodeChain; log: (line: string) => void },
): Promise<StartedCareNode> {
  const { port, httpPort, index, dataDir, storeBlocks, chain, log } = parameters
  const label = `care-${index + 1}`
  // The label only names the folder: the keys in it are random.
  const nodeDir = path.join(dataDir, label)
  const args = ['--import', 'tsx', path.join(root, 'scripts/careNode.ts'), '--port', String(port), '--http-port', String(httpPort), '--data-dir', nodeDir, '--exit-with-stdin']
  if (storeBlocks) args.push('--storage-dir', nodeDir)
  if (chain.consent) {
    args.push('--rpc', chain.rpcUrl, '--registry', chain.registry, '--consent', chain.consent.address, '--consent-block', String(chain.consent.deployBlock))
    if (chain.emergency) args.push('--emergency', chain.emergency)
  }
  // stdin stays open while we live: the care node exits when it closes, even if we are killed.
  const child = launch(label, process.execPath, args, { stdin: 'pipe' })
  child.stderr?.on('data', (data: Buffer) => log(`[${label}] ${data.toString().trim()}`))
  const lines = createInterface({ input: child.stdout! })
  return withDeadline(
    new Promise((resolve, reject) => {
      lines.on('line', (line) => {
        try {
          const ready = JSON.parse(line) as StartedCareNode
          if (typeof ready.peerId === 'string' && Array.isArray(ready.multiaddrs)) {
            log(`Care node ${label} ready: ${ready.multiaddrs[0]}${ready.proxy ? ` (proxy ${ready.proxy.address})` : ''}`)
            resolve({
              peerId: ready.peerId,
              multiaddrs: ready.multiaddrs.map(String),
              ...(typeof ready.httpUrl === 'string' ? { httpUrl: ready.httpUrl } : {}),
              ...(ready.proxy ? { proxy: ready.proxy } : {}),
            })
          }
        } catch {
          log(`[${label}] ${line}`)
        }
      })
      child.once('exit', (code) => reject(new LocalNetworkError(`care node ${label} exited (code ${code})`, `port ${port}`)))
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (child.pid === undefined) reject(new LocalNetworkError(`care node ${label} could not be started (${error.code ?? error.message})`, error.message))
      })
    }),
    60_000,
    `care node ${label} did not report ready`,
  )
}

type FailureOf = (child: ChildProcess) => Error | undefined

async function waitForRpc(rpcUrl: string, child: ChildProcess, failureOf: FailureOf): Promise<void> {
  await poll(`anvil did not answer on ${rpcUrl}`, child, failureOf, async () => {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    })
    return response.ok
  })
}

async function waitForHttp(url: string, child: ChildProcess, failureOf: FailureOf): Promise<void> {
  await poll(`Vite did not answer on ${url}`, child, failureOf, async () => (await fetch(url)).status < 500)
}

async function poll(what: string, child: ChildProcess, failureOf: FailureOf, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const failure = failureOf(child)
    if (failure) throw failure
    if (child.exitCode !== null || child.signalCode !== null) throw new LocalNetworkError(what, `exited with ${child.exitCode ?? child.signalCode}`)
    if (await probe().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new LocalNetworkError(what, `no answer within ${timeoutMs} ms`)
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LocalNetworkError(what, `within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * SIGTERM to the child itself (wrappers such as anvil's forward it and reap their
 * own child), SIGKILL to its whole group if it lingers or left anything behind.
 */
async function endProcessGroup(child: Child): Promise<void> {
  const pid = child.process.pid
  if (pid === undefined) return
  if (child.process.exitCode === null && child.process.signalCode === null) {
    child.process.kill('SIGTERM')
    const exited = await Promise.race([child.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))])
    if (!exited) {
      signalGroup(pid, 'SIGKILL')
      await child.exited
    }
  }
  signalGroup(pid, 'SIGKILL')
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}
