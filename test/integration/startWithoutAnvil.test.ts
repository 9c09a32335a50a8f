// `npm start` on a machine where anvil is nowhere: not in SALUS_ANVIL, not in
// node_modules, not on PATH. It must print the one sentence saying what to install,
// exit non-zero, and leave no process behind. The run happens in a copy of the
// repository whose node_modules lacks Foundry's packages (every other package is
// linked), with PATH stripped of every directory holding anvil; a control run in the
// same copy, with SALUS_ANVIL given, gets past the lookup, so the lookup is what fails.
import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DevToolMissingError, resolveDevTool } from '../../src/chain/deploy/devTools.ts'
import { freePort } from '../../src/chain/deploy/freePort.ts'

const root = path.resolve(import.meta.dirname, '../..')
const hidden = new Set(['anvil', 'anvil.exe', 'forge', 'forge.exe'])

/** A repository copy: scripts/ and src/ copied (so their files resolve from here), the rest linked, node_modules without Foundry. */
function copyWithoutFoundry(): string {
  const clone = mkdtempSync(path.join(tmpdir(), 'salus-no-anvil-'))
  for (const entry of readdirSync(root)) {
    if (entry === 'node_modules' || entry === '.git') continue
    // Copied, not linked: Node resolves a linked file to its real path, and the dev-tool
    // lookup (src/chain/deploy/devTools.ts) finds node_modules from where its file is.
    if (entry === 'scripts' || entry === 'src') cpSync(path.join(root, entry), path.join(clone, entry), { recursive: true })
    else symlinkSync(path.join(root, entry), path.join(clone, entry))
  }
  const modules = path.join(root, 'node_modules')
  mkdirSync(path.join(clone, 'node_modules/.bin'), { recursive: true })
  for (const entry of readdirSync(modules)) {
    if (entry === '@foundry-rs' || entry === '.bin') continue
    symlinkSync(path.join(modules, entry), path.join(clone, 'node_modules', entry))
  }
  for (const entry of readdirSync(path.join(modules, '.bin'))) {
    if (!hidden.has(entry)) symlinkSync(path.join(modules, '.bin', entry), path.join(clone, 'node_modules/.bin', entry))
  }
  return clone
}

/** PATH without any directory that holds anvil or forge, with our Node first. */
function pathWithoutFoundry(): string {
  const directories = [path.dirname(process.execPath), ...(process.env.PATH ?? '').split(path.delimiter)]
  return [...new Set(directories)].filter((directory) => directory && ![...hidden].some((name) => existsSync(path.join(directory, name)))).join(path.delimiter)
}

/** Running processes in this process group or naming the copy (care nodes lead their own groups). */
function survivors(group: number, clone: string): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' })
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, pgid, stat, ...args]) => pid && !stat?.startsWith('Z') && (Number(pgid) === group || args.join(' ').includes(clone)))
    .map((fields) => fields.join(' '))
}

type Run = { code: number | null; output: string; group: number }

/** `npm start` in the copy, in its own process group; resolves when npm exits. */
async function npmStart(clone: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const child = spawn('npm', ['start'], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (data: Buffer) => (output += data.toString()))
  child.stderr.on('data', (data: Buffer) => (output += data.toString()))
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not exit within 60 s:\n${output}`)), 60_000)
    child.once('error', reject)
    child.once('close', (exitCode) => {
      clearTimeout(timer)
      resolve(exitCode)
    })
  })
  return { code, output, group: child.pid! }
}

describe('npm start without anvil', () => {
  let clone: string
  let env: NodeJS.ProcessEnv
  const ports: Record<string, string> = {}

  beforeAll(async () => {
    clone = copyWithoutFoundry()
    const { SALUS_ANVIL: _anvil, SALUS_FORGE: _forge, ...rest } = process.env
    Object.assign(ports, { SALUS_CHAIN_PORT: String(await freePort()), SALUS_CARE_PORTS: [await freePort(), await freePort(), await freePort()].join(','), SALUS_APP_PORT: String(await freePort()) })
    env = { ...rest, ...ports, PATH: pathWithoutFoundry() }
  })

  afterAll(() => {
    if (clone) rmSync(clone, { recursive: true, force: true })
  })

  it('finds anvil in the repository and nowhere in the copy', () => {
    expect(resolveDevTool('anvil', { env: {} })).toMatch(/node_modules.@foundry-rs.anvil-/)
    const copyPath = [path.join(clone, 'node_modules/.bin'), env.PATH].join(path.delimiter)
    expect(() => resolveDevTool('anvil', { root: clone, env: { PATH: copyPath } })).toThrow(DevToolMissingError)
  })

  it('prints the one sentence, exits non-zero and leaves no process', async () => {
    let expected = ''
    try {
      resolveDevTool('anvil', { root: clone, env: {} })
    } catch (error) {
      expected = (error as DevToolMissingError).shortMessage
    }
    expect(expected).toMatch(/^anvil \(the local Ethereum chain\) was not found in SALUS_ANVIL, node_modules or PATH: .*SALUS_ANVIL.*\.$/)

    const run = await npmStart(clone, env)
    expect(run.code, run.output).not.toBe(0)
    expect(run.output.split(expected).length - 1, run.output).toBe(1)
    expect(run.output).not.toMatch(/ENOENT|^\s+at /m)
    expect(run.output).not.toContain('Starting anvil')
    expect(survivors(run.group, clone)).toEqual([])
  }, 90_000)

  it('names SALUS_ANVIL when it points nowhere', async () => {
    const run = await npmStart(clone, { ...env, SALUS_ANVIL: path.join(clone, 'no-such-anvil') })
    expect(run.code, run.output).not.toBe(0)
    expect(run.output).toContain(`SALUS_ANVIL is set to ${path.join(clone, 'no-such-anvil')}, which is not an executable file: point it at anvil or unset it.`)
    expect(run.output).not.toMatch(/ENOENT|^\s+at /m)
    expect(survivors(run.group, clone)).toEqual([])
  }, 90_000)

  it('an anvil that is found but cannot be run is a sentence too, not an unhandled error', async () => {
    // Executable, but its interpreter does not exist: spawn fails with ENOENT after the lookup succeeded.
    const broken = path.join(clone, 'broken-anvil')
    writeFileSync(broken, '#!/nonexistent/interpreter\n')
    chmodSync(broken, 0o755)
    const run = await npmStart(clone, { ...env, SALUS_ANVIL: broken })
    expect(run.code, run.output).not.toBe(0)
    expect(run.output).toContain(`The local network could not start: anvil could not be started (ENOENT, ${broken}). See the log above, fix it, and run npm start again.`)
    expect(run.output).not.toMatch(/^\s+at |Unhandled|node:events/m)
    expect(survivors(run.group, clone)).toEqual([])
  }, 90_000)

  it('control: the same copy with SALUS_ANVIL set gets past the lookup (to the port check)', async () => {
    const blocker: Server = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
    try {
      const run = await npmStart(clone, { ...env, SALUS_ANVIL: resolveDevTool('anvil'), SALUS_CHAIN_PORT: String(port) })
      expect(run.code, run.output).not.toBe(0)
      expect(run.output).toContain(`Port ${port} is in use: stop what uses it or set SALUS_CHAIN_PORT`)
      expect(run.output).not.toContain('was not found')
      expect(survivors(run.group, clone)).toEqual([])
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  }, 90_000)
})
