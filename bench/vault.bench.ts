// In Node (WebCrypto of Node's OpenSSL), not in a browser:
// vault.encrypt_stream.256MB: MB/s through encryptStream over a generated 256 MB body.
// vault.encrypt_stream_baseline_webcrypto.256MB: raw WebCrypto AES-GCM over the same bytes in
//   1 MiB calls with the same one-ahead overlap.
// vault.encrypt_stream_over_baseline: their ratio, which should stay ≥ 0.7 (and cannot
//   honestly exceed 1: the stream is built on the same calls). Both are measured in one
//   session, interleaved: two warm-ups each, then 15 alternating rounds; each figure is
//   the median of its rounds.
// vault.encrypt_stream.1GB.peak_rss_mb: peak RSS growth while streaming 1 GB, measured in a
//   child process (this file re-run with --rss-child) so the harness's own heap does not count.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultChunkSize, encryptStream } from '../src/crypto/streamCipher.ts'
import { interleaved, median, once, type Benchmark } from './support/benchmark.ts'

const mib = 1024 * 1024
const key = crypto.getRandomValues(new Uint8Array(32))
const aad = new TextEncoder().encode('benchmark envelope header')

/** A source of `total` bytes in 1 MiB pieces of fresh random data (a reused buffer would be an unfair cache win). */
async function* generated(total: number): AsyncGenerator<Uint8Array> {
  const pool = new Uint8Array(16 * mib)
  for (let i = 0; i < pool.length; i += 65_536) crypto.getRandomValues(pool.subarray(i, i + 65_536))
  for (let offset = 0; offset < total; offset += mib) {
    const start = (offset / mib) % 16
    yield pool.subarray(start * mib, start * mib + Math.min(mib, total - offset))
  }
}

async function streamThrough(total: number): Promise<number> {
  let sealed = 0
  for await (const chunk of encryptStream(key, generated(total), { aad, chunkSize: defaultChunkSize })) sealed += chunk.byteLength
  return sealed
}

const total = 256 * mib

/** MB/s of one run over `total` bytes. */
async function throughput(run: (bytes: number) => Promise<number>): Promise<number> {
  const start = performance.now()
  if ((await run(total)) < total) throw new Error('lost bytes')
  return total / 1e6 / ((performance.now() - start) / 1000)
}

/**
 * Raw WebCrypto with the same overlap the stream uses (one call in flight while the next
 * is issued), so the ratio measures the STREAM framing, not a difference in parallelism.
 */
async function baselineThrough(bytes: number): Promise<number> {
  const cryptoKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt'])
  let sealed = 0
  let inFlight: Promise<ArrayBuffer> | undefined
  for await (const piece of generated(bytes)) {
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const next = crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, cryptoKey, piece as Uint8Array<ArrayBuffer>)
    if (inFlight) sealed += (await inFlight).byteLength
    inFlight = next
  }
  if (inFlight) sealed += (await inFlight).byteLength
  return sealed
}

/** The stream and its baseline in one session: same warm-up, alternating rounds, medians. */
const session = once(async () => {
  const rounds = await interleaved({ stream: () => throughput(streamThrough), baseline: () => throughput(baselineThrough) }, { warmups: 2, rounds: 15 })
  const ratios = rounds.stream.map((stream, i) => stream / rounds.baseline[i]!)
  console.log(`  (stream MB/s by round: ${rounds.stream.map((v) => v.toFixed(0)).join(', ')}; baseline: ${rounds.baseline.map((v) => v.toFixed(0)).join(', ')})`)
  return { stream: median(rounds.stream), baseline: median(rounds.baseline), ratio: median(ratios) }
})

async function peakRssChild(): Promise<void> {
  const total = 1024 * mib
  globalThis.gc?.()
  const baseline = process.memoryUsage().rss
  let peak = baseline
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss))
  const timer = setInterval(sample, 5)
  let sealed = 0
  for await (const chunk of encryptStream(key, generated(total), { aad })) {
    sealed += chunk.byteLength
    sample()
  }
  clearInterval(timer)
  if (sealed < total) throw new Error('stream lost bytes')
  process.stdout.write(`${JSON.stringify({ peakGrowthMb: (peak - baseline) / mib })}\n`)
}

async function peakRssMb(): Promise<number> {
  const self = fileURLToPath(import.meta.url)
  const root = path.resolve(path.dirname(self), '..')
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), [self, '--rss-child'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (data: Buffer) => (out += data.toString()))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`rss child exited with ${code}`))))
  })
  const line = output.trim().split('\n').at(-1) ?? ''
  return (JSON.parse(line) as { peakGrowthMb: number }).peakGrowthMb
}

if (process.argv.includes('--rss-child')) await peakRssChild()

/** vault.list_search.10k: in Chromium (bench/pages/importPage.ts measureListSearch), not Node. */
async function listSearch10k(): Promise<number> {
  const { launchBrowser } = await import('./support/browser.ts')
  const { callPageModule } = await import('./support/pageModule.ts')
  const { startBenchVite } = await import('./support/benchVite.ts')
  const { syntheaLikeBundle } = await import('./support/syntheaLike.ts')
  const resources = syntheaLikeBundle({ recordsPerPatient: 2_500, seed: 9 }).entry.map((e) => e.resource).filter((r) => r.resourceType !== 'Patient')
  const vite = await startBenchVite()
  const browser = await launchBrowser()
  try {
    const page = await browser.newPage()
    await page.goto(vite.url)
    const { times, hits } = await callPageModule<{ times: number[]; hits: number[] }>(page, 'importPage.ts', 'measureListSearch', { resources, count: 10_000, rounds: 5 })
    console.log(`  rounds ${times.map((t) => t.toFixed(0)).join(', ')} ms; hits ${hits.join(', ')}`)
    return median(times)
  } finally {
    await browser.close()
    await vite.close()
  }
}

const benchmarks: Benchmark[] = [
  { name: 'vault.encrypt_stream.256MB', about: 'encryptStream throughput in Node, median of 15 rounds interleaved with its baseline', unit: 'MB/s', better: 'higher', run: async () => (await session()).stream },
  { name: 'vault.encrypt_stream_baseline_webcrypto.256MB', about: 'raw WebCrypto AES-GCM in Node, 1 MiB calls one ahead, median of 15 rounds interleaved with encrypt_stream', unit: 'MB/s', better: 'higher', run: async () => (await session()).baseline },
  { name: 'vault.encrypt_stream_over_baseline', about: 'median over rounds of encrypt_stream ÷ baseline measured back to back', unit: 'ratio', better: 'higher', target: 0.7, run: async () => (await session()).ratio },
  {
    name: 'vault.list_search.10k',
    about: "open a 10,000-record vault index in Chromium's IndexedDB (summaries of Synthea-shaped records), list and three searches; median of 5",
    unit: 'ms',
    better: 'lower',
    target: 200,
    run: listSearch10k,
  },
  { name: 'vault.encrypt_stream.1GB.peak_rss_mb', about: 'peak RSS growth of a Node child process streaming 1 GB through encryptStream', unit: 'MB', better: 'lower', target: 128, run: peakRssMb },
]

export default benchmarks
