// vault.encrypt_stream.256MB: MB/s through encryptStream over a generated 256 MB body.
// vault.baseline_webcrypto_aesgcm.256MB: raw WebCrypto AES-GCM over the same bytes in
//   1 MiB calls with the same one-ahead overlap; encrypt_stream / baseline should stay ≥ 0.7.
// vault.encrypt_stream.1GB.peak_rss_mb: peak RSS growth while streaming 1 GB, measured in a
//   child process (this file re-run with --rss-child) so the harness's own heap does not count.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultChunkSize, encryptStream } from '../src/crypto/streamCipher.ts'

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

/** Best of three after a warm-up: the machine is shared, and only interference makes a run slower. */
async function bestMBps(total: number, run: (bytes: number) => Promise<number>): Promise<number> {
  await run(8 * mib) // warm up the JIT and WebCrypto's thread pool
  let best = 0
  for (let i = 0; i < 3; i++) {
    const start = performance.now()
    if ((await run(total)) < total) throw new Error('lost bytes')
    best = Math.max(best, total / 1e6 / ((performance.now() - start) / 1000))
  }
  return best
}

function encryptStreamMBps(): Promise<number> {
  return bestMBps(256 * mib, streamThrough)
}

/**
 * Raw WebCrypto with the same overlap the stream uses (one call in flight while the next
 * is issued), so the ratio measures the STREAM framing, not a difference in parallelism.
 */
async function baselineMBps(): Promise<number> {
  const cryptoKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt'])
  const run = async (bytes: number) => {
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
  return bestMBps(256 * mib, run)
}

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

export default [
  { name: 'vault.encrypt_stream.256MB', unit: 'MB/s', better: 'higher', run: encryptStreamMBps },
  { name: 'vault.baseline_webcrypto_aesgcm.256MB', unit: 'MB/s', better: 'higher', run: baselineMBps },
  { name: 'vault.encrypt_stream.1GB.peak_rss_mb', unit: 'MB', better: 'lower', target: 128, run: peakRssMb },
] as const
