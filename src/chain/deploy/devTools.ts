/**
 * Where the development tools are: anvil and forge (Foundry) and Chromium, for
 * `npm start`, `npm test`, the tests and the benchmarks, on macOS, Linux and WSL.
 * Looked for in order: the environment variable (SALUS_ANVIL, SALUS_FORGE,
 * SALUS_CHROMIUM), then Foundry's npm package for this platform (an optional
 * dependency), then PATH (and, for Chromium, where macOS installs browsers);
 * otherwise one sentence saying what to install.
 *
 * It lives beside the command lines, not in src/ (the app never runs these tools)
 * nor in test/ (`npm start` needs it), and is no command line itself, so tests and
 * benchmarks may import it.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { SalusError } from '../../errors/salusError.ts'

export type DevTool = 'anvil' | 'forge' | 'chromium'

export const devToolVariables = { anvil: 'SALUS_ANVIL', forge: 'SALUS_FORGE', chromium: 'SALUS_CHROMIUM' } as const satisfies Record<DevTool, string>

/** `${process.platform}-${process.arch}` → the suffix of Foundry's npm packages (`@foundry-rs/anvil-darwin-arm64`). */
export const foundryPackagePlatforms: Readonly<Record<string, string>> = {
  'darwin-arm64': 'darwin-arm64',
  'darwin-x64': 'darwin-amd64',
  'linux-arm64': 'linux-arm64',
  'linux-x64': 'linux-amd64',
  'win32-x64': 'win32-amd64',
}

const pathNames: Record<DevTool, string[]> = {
  anvil: ['anvil'],
  forge: ['forge'],
  chromium: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'],
}

const macBrowsers = ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome']

const repositoryRoot = path.resolve(import.meta.dirname, '../../..')

export type ResolveDevToolOptions = {
  /** Defaults to process.env (the variable and PATH are read from it). */
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  arch?: string
  /** Where node_modules is searched from; the repository by default. */
  root?: string
}

export class DevToolMissingError extends SalusError {
  override name = 'DevToolMissingError' as const
  readonly tool: DevTool
  constructor(tool: DevTool, sentence: string) {
    super(sentence)
    this.tool = tool
  }
}

export class DevToolStartError extends SalusError {
  override name = 'DevToolStartError' as const
  constructor(tool: DevTool, command: string, cause: Error) {
    const code = (cause as NodeJS.ErrnoException).code ?? cause.message
    super(`${tool} (${command}) could not be started (${code}): check that the file exists and is executable, or set ${devToolVariables[tool]} to another.`, { cause })
  }
}

/** The executable for a tool, or a DevToolMissingError whose message says what to install. */
export function resolveDevTool(tool: DevTool, options: ResolveDevToolOptions = {}): string {
  const { env = process.env, platform = process.platform, arch = process.arch, root = repositoryRoot } = options
  const variable = devToolVariables[tool]
  const configured = env[variable]
  if (configured) {
    if (isExecutable(configured, platform)) return path.resolve(configured)
    throw new DevToolMissingError(tool, `${variable} is set to ${configured}, which is not an executable file: point it at ${tool === 'chromium' ? 'a Chromium or Chrome executable' : tool} or unset it.`)
  }
  const packaged = tool === 'chromium' ? undefined : packageBinary(tool, { platform, arch, root })
  if (packaged) return packaged
  const onPath = searchPath(pathNames[tool], env, platform)
  if (onPath) return onPath
  if (tool === 'chromium' && platform === 'darwin') {
    const installed = macBrowsers.find((file) => isExecutable(file, platform))
    if (installed) return installed
  }
  throw new DevToolMissingError(tool, missingSentence(tool, platform, arch))
}

/**
 * Starts a tool; `started` settles once it runs, or rejects with a DevToolStartError
 * sentence (never an unhandled 'error' event) if the file cannot be run.
 */
export function spawnDevTool(tool: DevTool, args: string[], options: SpawnOptions = {}): { child: ChildProcess; started: Promise<void> } {
  const command = resolveDevTool(tool)
  const child = spawn(command, args, options)
  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve())
    child.once('error', (error) => reject(new DevToolStartError(tool, command, error)))
  })
  // Later errors (a failed kill) must not crash the process either.
  child.on('error', () => {})
  return { child, started }
}

/** Foundry's npm package name for a tool on this platform, if Foundry publishes one. */
export function foundryPackage(tool: 'anvil' | 'forge', platform: string = process.platform, arch: string = process.arch): string | undefined {
  const suffix = foundryPackagePlatforms[`${platform}-${arch}`]
  return suffix ? `@foundry-rs/${tool}-${suffix}` : undefined
}

function packageBinary(tool: 'anvil' | 'forge', where: { platform: NodeJS.Platform; arch: string; root: string }): string | undefined {
  const name = foundryPackage(tool, where.platform, where.arch)
  if (!name) return undefined
  let manifest: string
  try {
    manifest = createRequire(path.join(where.root, 'package.json')).resolve(`${name}/package.json`)
  } catch {
    return undefined
  }
  // The platform package itself, not the @foundry-rs/anvil wrapper: the wrapper
  // re-raises SIGTERM on itself before anvil exits, leaving anvil unreaped.
  const file = path.join(path.dirname(manifest), 'bin', where.platform === 'win32' ? `${tool}.exe` : tool)
  return isExecutable(file, where.platform) ? file : undefined
}

function searchPath(names: string[], env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const separator = platform === 'win32' ? ';' : ':'
  const directories = (env.PATH ?? env.Path ?? '').split(separator).filter(Boolean)
  const extensions = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : ['']
  for (const name of names) {
    for (const directory of directories) {
      for (const extension of extensions) {
        const file = path.join(directory, name + extension)
        if (isExecutable(file, platform)) return file
      }
    }
  }
  return undefined
}

function isExecutable(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!statSync(file).isFile()) return false
    if (platform !== 'win32') accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function missingSentence(tool: DevTool, platform: NodeJS.Platform, arch: string): string {
  const variable = devToolVariables[tool]
  if (tool === 'chromium') {
    const install = platform === 'darwin' ? 'install Google Chrome or Chromium in /Applications' : 'install Chromium (Debian, Ubuntu: sudo apt-get install chromium) or Google Chrome'
    return `Chromium was not found in ${variable} or on PATH (as ${pathNames.chromium.join(', ')}): ${install}, or set ${variable} to the browser's executable.`
  }
  const what = tool === 'anvil' ? 'anvil (the local Ethereum chain)' : 'forge (the Solidity test runner)'
  const name = foundryPackage(tool, platform, arch)
  if (!name) {
    return `${what} was not found in ${variable} or on PATH, and Foundry publishes no npm package for ${platform}-${arch}: install Foundry (https://getfoundry.sh) so that ${tool} is on PATH, or set ${variable} to its path.`
  }
  return `${what} was not found in ${variable}, node_modules or PATH: run npm install (it installs ${name} unless optional dependencies are omitted), or install Foundry (https://getfoundry.sh), or set ${variable} to ${tool}'s path.`
}
