// `npm test`: every check and test suite, then one closing line "N passed, N failed".
// Steps: the layer rule of src (dependency-cruiser), generated code matches its source
// (contracts, circuits), Foundry tests,
// then vitest (unit, integration, end-to-end in Chromium).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describeError } from '../src/errors/salusError.ts'
import { resolveDevTool } from '../src/chain/deploy/devTools.ts'

const root = join(import.meta.dirname, '..')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const only = process.argv.slice(2)

type Tally = { passed: number; failed: number; skipped: number }
const total: Tally = { passed: 0, failed: 0, skipped: 0 }
const steps: { name: string; ok: boolean; tally?: Tally }[] = []

function run(command: string, args: string[], options: { capture?: boolean } = {}) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env })
    let output = ''
    const relay = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString()
      stream.write(chunk)
    }
    child.stdout.on('data', relay(process.stdout))
    child.stderr.on('data', relay(process.stderr))
    // A command that cannot be run fails its step with a sentence; 'close' follows.
    child.on('error', (error: NodeJS.ErrnoException) => {
      const line = `${command} could not be started (${error.code ?? error.message}).\n`
      output += line
      process.stderr.write(line)
    })
    child.on('close', (code) => resolve({ code: code ?? 1, output: options.capture ? output : output.slice(-20_000) }))
  })
}

const wanted = (step: string) => only.length === 0 || only.includes(step)

async function check(name: string, script: string) {
  if (!wanted(name) || !existsSync(join(root, script))) return
  console.log(`\n── ${name} ──`)
  const { code } = await run(bin('tsx'), [script, '--check'])
  steps.push({ name, ok: code === 0, tally: { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 } })
}

if (wanted('typecheck')) {
  console.log('\n── typecheck (tsc, svelte-check) ──')
  const tsc = await run(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'])
  const svelte = tsc.code === 0 ? await run(bin('svelte-check'), ['--tsconfig', './tsconfig.json', '--output', 'human']) : { code: 1 }
  const ok = tsc.code === 0 && svelte.code === 0
  steps.push({ name: 'typecheck', ok, tally: { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 } })
}

// The layer rule (docs/DESIGN.md, "Layout"): src's import graph, type-only imports
// included, has no cycle and no import from a lower layer to a higher one.
if (wanted('layers')) {
  console.log('\n── layers (dependency-cruiser: no cycle, no upward import) ──')
  let ok = false
  if (!existsSync(bin('depcruise'))) console.log('dependency-cruiser is not installed: run npm install.')
  else ok = (await run(bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'])).code === 0
  steps.push({ name: 'layers', ok, tally: { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 } })
}

await check('contracts-generated', 'scripts/generateContracts.ts')
await check('circuits-generated', 'scripts/buildCircuits.ts')
await check('fhir-definitions-generated', 'scripts/generateFhirDefinitions.ts')

if (wanted('forge') && existsSync(join(root, 'foundry.toml'))) {
  console.log('\n── Foundry (contracts) ──')
  let forge: string | undefined
  try {
    forge = resolveDevTool('forge')
  } catch (error) {
    console.error(describeError(error))
  }
  const { code, output } = forge ? await run(forge, ['test']) : { code: 1, output: '' }
  const match = [...output.matchAll(/(\d+) tests passed, (\d+) failed, (\d+) skipped/g)].at(-1)
  const tally = match ? { passed: +match[1]!, failed: +match[2]!, skipped: +match[3]! } : { passed: 0, failed: 1, skipped: 0 }
  if (code !== 0 && tally.failed === 0) tally.failed = 1
  steps.push({ name: 'forge', ok: code === 0, tally })
}

if (wanted('vitest')) {
  console.log('\n── vitest (unit, integration, e2e) ──')
  const report = join(root, 'test-results', 'vitest.json')
  await rm(report, { force: true })
  const { code } = await run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`])
  let tally: Tally = { passed: 0, failed: code === 0 ? 0 : 1, skipped: 0 }
  if (existsSync(report)) {
    const json = JSON.parse(await readFile(report, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; numFailedTestSuites: number }
    tally = { passed: json.numPassedTests, failed: json.numFailedTests + (json.numFailedTests === 0 && code !== 0 ? Math.max(1, json.numFailedTestSuites) : 0), skipped: json.numPendingTests + json.numTodoTests }
  }
  steps.push({ name: 'vitest', ok: code === 0, tally })
}

console.log('\n── summary ──')
for (const step of steps) {
  const t = step.tally!
  total.passed += t.passed
  total.failed += t.failed
  total.skipped += t.skipped
  console.log(`${step.ok ? 'ok  ' : 'FAIL'} ${step.name}: ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ''}`)
}
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`)
process.exit(steps.every((s) => s.ok) && steps.length > 0 ? 0 : 1)
