// Runs every benchmark in bench/*.bench.ts (or those whose name starts with argv[2]),
// each file in its own Node process (one file's threads, heap and handles cannot
// slow the next), prints a table and writes bench/results.json.
// A figure's name starts with its file's prefix (bench/vault.bench.ts → vault.…); a
// file whose figures do not is refused.
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Benchmark } from '../bench/support/benchmark.ts'

type Result = { name: string; value: number; unit: string; better: 'lower' | 'higher'; about: string }

const benchDir = join(import.meta.dirname, '..', 'bench')
const childFlag = '--bench-file'

function round(value: number) {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 1000) / 1000
}

function meets(bench: Benchmark, value: number) {
  return bench.better === 'lower' ? value <= bench.target! : value >= bench.target!
}

/** In the child: run the matching figures of one file, write them to `out`. */
async function runFile(file: string, filter: string, out: string): Promise<void> {
  const prefix = file.replace(/\.bench\.ts$/, '')
  // A file with one shared stack for several figures reads this to know which it runs last.
  process.env.SALUS_BENCH_FILTER = filter
  const module = (await import(pathToFileURL(join(benchDir, file)).href)) as { default: Benchmark[] }
  const misnamed = module.default.filter((bench) => !bench.name.startsWith(`${prefix}.`)).map((bench) => bench.name)
  if (misnamed.length) throw new Error(`bench/${file}: figures must be named ${prefix}.…, not ${misnamed.join(', ')}`)
  const results: Result[] = []
  const failures: string[] = []
  for (const bench of module.default) {
    if (!bench.name.startsWith(filter)) continue
    process.stdout.write(`running ${bench.name} (${bench.about}) …\n`)
    try {
      const value = await bench.run()
      results.push({ name: bench.name, value: round(value), unit: bench.unit, better: bench.better, about: bench.about })
      const verdict = bench.target === undefined ? '' : meets(bench, value) ? `  (target ${bench.target}: met)` : `  (target ${bench.target}: MISSED)`
      process.stdout.write(`  ${bench.name} = ${round(value)} ${bench.unit}${verdict}\n`)
    } catch (error) {
      failures.push(bench.name)
      process.stdout.write(`  ${bench.name} FAILED: ${error instanceof Error ? error.stack : String(error)}\n`)
    }
  }
  await writeFile(out, JSON.stringify({ results, failures }))
}

/** Could a file with this prefix hold a figure whose name starts with `filter`? */
function mayMatch(prefix: string, filter: string): boolean {
  return filter === '' || filter === prefix || filter.startsWith(`${prefix}.`) || `${prefix}.`.startsWith(filter)
}

async function runAll(filter: string): Promise<void> {
  const files = (await readdir(benchDir)).filter((file) => file.endsWith('.bench.ts')).sort()
  const work = await mkdtemp(join(tmpdir(), 'salus-bench-'))
  const results: Result[] = []
  const failures: string[] = []
  try {
    for (const file of files.filter((f) => mayMatch(f.replace(/\.bench\.ts$/, ''), filter))) {
      const out = join(work, `${file}.json`)
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, childFlag, file, out, filter], { stdio: 'inherit' })
        child.once('error', reject)
        child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)))
      })
      let reported: { results: Result[]; failures: string[] } | undefined
      try {
        reported = JSON.parse(await readFile(out, 'utf8')) as { results: Result[]; failures: string[] }
      } catch {
        // the child died before reporting
      }
      if (reported) {
        results.push(...reported.results)
        failures.push(...reported.failures)
      }
      if (!reported || (code !== 0 && reported.failures.length === 0)) failures.push(`bench/${file} (exit ${code})`)
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }

  const width = Math.max(4, ...results.map((r) => r.name.length))
  console.log(`\n${'name'.padEnd(width)}  ${'value'.padStart(12)}  unit        better`)
  for (const r of results) console.log(`${r.name.padEnd(width)}  ${String(r.value).padStart(12)}  ${r.unit.padEnd(10)}  ${r.better}`)
  // A filtered run merges into the previous results instead of dropping the rest.
  let merged = results
  if (filter) {
    try {
      const previous = JSON.parse(await readFile(join(benchDir, 'results.json'), 'utf8')) as Result[]
      merged = [...previous.filter((p) => !results.some((r) => r.name === p.name)), ...results]
    } catch {}
  }
  await writeFile(join(benchDir, 'results.json'), JSON.stringify(merged, null, 2) + '\n')
  console.log(`\nwrote bench/results.json (${merged.length} figures)`)
  if (failures.length) console.error(`failed: ${failures.join(', ')}`)
  process.exitCode = failures.length ? 1 : 0
}

const childAt = process.argv.indexOf(childFlag)
if (childAt !== -1) {
  const [file, out, filter = ''] = process.argv.slice(childAt + 1)
  await runFile(file!, filter, out!)
  // Exit explicitly: a benchmark's libraries (libp2p, Helia, snarkjs worker pools) can
  // leave handles that keep Node running after every stack was stopped.
  process.exit(0)
} else {
  await runAll(process.argv.slice(2).find((arg) => !arg.startsWith('-')) ?? '')
}
