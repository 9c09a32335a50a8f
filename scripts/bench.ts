// Runs every benchmark in bench/*.bench.ts (or those whose name starts with argv[2]),
// prints a table and writes bench/results.json.
import { readdir, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export type Benchmark = {
  name: string
  unit: string
  better: 'lower' | 'higher'
  /** Optional target, printed beside the figure. */
  target?: number
  run: () => Promise<number>
}

type Result = { name: string; value: number; unit: string; better: 'lower' | 'higher' }

const prefix = process.argv.slice(2).find((arg) => !arg.startsWith('-')) ?? ''
const benchDir = join(import.meta.dirname, '..', 'bench')
const files = (await readdir(benchDir)).filter((file) => file.endsWith('.bench.ts')).sort()

const results: Result[] = []
const failures: string[] = []
for (const file of files) {
  const module = (await import(pathToFileURL(join(benchDir, file)).href)) as { default: Benchmark[] }
  for (const bench of module.default) {
    if (!bench.name.startsWith(prefix)) continue
    process.stdout.write(`running ${bench.name} …\n`)
    try {
      const value = await bench.run()
      results.push({ name: bench.name, value: round(value), unit: bench.unit, better: bench.better })
      const verdict = bench.target === undefined ? '' : meets(bench, value) ? `  (target ${bench.target}: met)` : `  (target ${bench.target}: MISSED)`
      process.stdout.write(`  ${bench.name} = ${round(value)} ${bench.unit}${verdict}\n`)
    } catch (error) {
      failures.push(bench.name)
      process.stdout.write(`  ${bench.name} FAILED: ${error instanceof Error ? error.stack : String(error)}\n`)
    }
  }
}

function meets(bench: Benchmark, value: number) {
  return bench.better === 'lower' ? value <= bench.target! : value >= bench.target!
}
function round(value: number) {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 1000) / 1000
}

const width = Math.max(4, ...results.map((r) => r.name.length))
console.log(`\n${'name'.padEnd(width)}  ${'value'.padStart(12)}  unit        better`)
for (const r of results) console.log(`${r.name.padEnd(width)}  ${String(r.value).padStart(12)}  ${r.unit.padEnd(10)}  ${r.better}`)
await mkdir(benchDir, { recursive: true })
// A filtered run merges into the previous results instead of dropping the rest.
let merged = results
if (prefix) {
  try {
    const previous = JSON.parse(await (await import('node:fs/promises')).readFile(join(benchDir, 'results.json'), 'utf8')) as Result[]
    merged = [...previous.filter((p) => !results.some((r) => r.name === p.name)), ...results]
  } catch {}
}
await writeFile(join(benchDir, 'results.json'), JSON.stringify(merged, null, 2) + '\n')
console.log(`\nwrote bench/results.json (${merged.length} figures)`)
// Exit explicitly: a benchmark's libraries (libp2p, Helia, snarkjs worker pools) can
// leave handles that keep Node running after every stack was stopped.
if (failures.length) console.error(`failed: ${failures.join(', ')}`)
process.exit(failures.length ? 1 : 0)
