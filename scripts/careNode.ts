/**
 * Runs one care node (relay + pinning) until stopped.
 *
 *   npx tsx scripts/careNode.ts --port 9101 [--host 127.0.0.1] [--seed-label care-1] [--storage-dir .salus/care-1]
 *
 * When ready it prints one JSON line on stdout: {"peerId":"12D3…","multiaddrs":["/ip4/…/ws/p2p/12D3…"]}.
 * Logs go to stderr. It exits when its stdin closes (with --exit-with-stdin), so a
 * parent that dies without cleaning up leaves no care node behind.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { sha256 } from '@noble/hashes/sha2.js'
import { startCareNode } from '../src/p2p/careNode.ts'

/** A stable peer key from a label: the local network's care nodes keep their peer IDs across restarts. */
export function careNodeSeed(label: string): Uint8Array {
  return sha256(new TextEncoder().encode(`salus/care-node/v1/${label}`))
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}

async function main(): Promise<void> {
  const port = Number(argument('--port') ?? '9101')
  const host = argument('--host') ?? '127.0.0.1'
  const label = argument('--seed-label')
  const storageDir = argument('--storage-dir')
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`--port must be a TCP port, not ${argument('--port')}`)
  const node = await startCareNode({
    port,
    host,
    ...(label ? { peerKeySeed: careNodeSeed(label) } : {}),
    ...(storageDir ? { storageDir: path.resolve(storageDir) } : {}),
    pin: { log: (line) => console.error(`[care ${port}] ${line}`) },
  })
  let stopping = false
  const stop = async (reason: string): Promise<void> => {
    if (stopping) return
    stopping = true
    console.error(`[care ${port}] stopping (${reason})`)
    const force = setTimeout(() => process.exit(1), 5_000)
    force.unref()
    await node.stop().catch((error: unknown) => console.error(error))
    process.exit(0)
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal))
  if (process.argv.includes('--exit-with-stdin')) {
    process.stdin.on('close', () => void stop('parent gone'))
    process.stdin.on('end', () => void stop('parent gone'))
    process.stdin.resume()
  }
  process.stdout.write(JSON.stringify({ peerId: node.peerId, multiaddrs: node.multiaddrs }) + '\n')
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error && 'shortMessage' in error ? `${error.message}` : error)
    process.exit(1)
  })
}
