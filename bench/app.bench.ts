// app.js_kb_gzip: the built app's JavaScript a first load fetches (the entry script and the
// modules it preloads, from dist/index.html), gzipped, in KB. Also prints every JS chunk's
// total, so a worker or a lazily loaded library shows where it went.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'
import type { Benchmark } from './support/benchmark.ts'

async function firstLoadKb(): Promise<number> {
  const outDir = await mkdtemp(join(tmpdir(), 'salus-app-build-'))
  try {
    await build({ configFile: join(import.meta.dirname, '..', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } })
    const html = await readFile(join(outDir, 'index.html'), 'utf8')
    const firstLoad = new Set([...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/?([^"]+\.js)"/g)].map((m) => m[1]!))
    const gz = async (file: string) => gzipSync(await readFile(join(outDir, file))).byteLength
    let first = 0
    for (const file of firstLoad) first += await gz(file)
    const all = (await readdir(join(outDir, 'assets'), { recursive: true })).filter((f) => String(f).endsWith('.js'))
    let total = 0
    for (const file of all) total += await gz(join('assets', String(file)))
    console.log(`  first load: ${[...firstLoad].join(', ')}; every JS chunk: ${all.length} files, ${(total / 1024).toFixed(0)} KB gzipped`)
    return first / 1024
  } finally {
    await rm(outDir, { recursive: true, force: true })
  }
}

export default [
  {
    name: 'app.js_kb_gzip',
    about: "the built app's JavaScript fetched on first load (entry + modulepreloads), gzipped",
    unit: 'KB',
    better: 'lower',
    run: firstLoadKb,
  },
] satisfies Benchmark[]
