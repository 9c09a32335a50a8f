/**
 * Runs one care node (relay, pinning, manifest heads) until stopped.
 *
 *   npx tsx scripts/careNode.ts --port 9101 --data-dir .salus/care-1 [--host 127.0.0.1] [--storage-dir .salus/care-1]
 *       [--announce /dns4/care.example.org/tcp/443/wss,…]
 *       [--rpc http://127.0.0.1:8545 --registry 0x… --consent 0x… --consent-block N [--emergency 0x…]]
 *       [--reencrypt-threads N]   (worker threads re-encrypting; default the cores less one, 0 = main thread)
 *       [--http-port P [--http-url https://care.example.org]]   (SMART Health Link files over HTTP: GET/PUT/DELETE /shl/<id>;
 *                                 --http-url is the public URL when a TLS proxy is in front)
 *
 * Its keys (libp2p peer key, proxy account, Umbral key) are random, made on first
 * start and kept in <data-dir>/care-node-keys.json (mode 0600); the same directory
 * gives the same identity on restart. With the chain flags it is also a
 * re-encryption proxy. When ready it prints one JSON line on
 * stdout: {"peerId":"12D3…","multiaddrs":["/ip4/…/ws/p2p/12D3…"],"httpUrl":"http://127.0.0.1:9201","proxy":{"address":"0x…","umbralPublicKey":"0x…"}}.
 * Logs go to stderr. It exits when its stdin closes (with --exit-with-stdin), so a
 * parent that dies without cleaning up leaves no care node behind.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPublicClient, http, isAddress, type Address } from 'viem'
import { startCareNode } from '../src/p2p/careNode.ts'
import { loadOrCreateCareNodeKeys } from '../src/p2p/careNodeKeyFile.ts'
import { cachedGrantOracle } from '../src/p2p/cachedGrantOracle.ts'
import { chainGrantOracle } from '../src/p2p/chainGrantOracle.ts'
import type { ServeSharingParameters } from '../src/p2p/serveSharing.ts'

function reencryptThreads(value: string): number {
  const threads = Number(value)
  if (!Number.isInteger(threads) || threads < 0 || threads > 256) {
    console.error(`--reencrypt-threads must be a whole number from 0 to 256, not ${value}`)
    process.exit(2)
  }
  return threads
}

function addressArgument(name: string): Address | undefined {
  const value = argument(name)
  if (value !== undefined && !isAddress(value)) throw new Error(`${name} must be an address, not ${value}`)
  return value as Address | undefined
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}

async function main(): Promise<void> {
  const port = Number(argument('--port') ?? '9101')
  const host = argument('--host') ?? '127.0.0.1'
  if (argument('--seed-label') !== undefined) {
    throw new Error('--seed-label is gone: keys derived from a name can be rebuilt by anyone. Use --data-dir DIR (keys are made there on first start).')
  }
  const dataDir = argument('--data-dir')
  if (!dataDir) throw new Error('--data-dir DIR is required: the care node keeps its keys there (made on first start)')
  const keys = await loadOrCreateCareNodeKeys(dataDir)
  if (keys.created) console.error(`[care ${argument('--port') ?? '9101'}] new keys in ${keys.file}`)
  const storageDir = argument('--storage-dir')
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`--port must be a TCP port, not ${argument('--port')}`)
  const rpc = argument('--rpc')
  const registry = addressArgument('--registry')
  const consent = addressArgument('--consent')
  const consentBlock = argument('--consent-block')
  // Without it the proxy answers no break-glass read (emergency cards), only grantees' sessions.
  const emergency = addressArgument('--emergency')
  let proxy: (typeof keys)['proxy'] | undefined
  let sharing: ServeSharingParameters = {}
  if (rpc && registry && consent && consentBlock !== undefined) {
    proxy = keys.proxy
    // Cached for a moment: a flood of requests costs the RPC node nothing (cachedGrantOracle.ts).
    const oracle = cachedGrantOracle(chainGrantOracle(createPublicClient({ transport: http(rpc) }), { consent, registry, fromBlock: BigInt(consentBlock), ...(emergency ? { emergency } : {}) }))
    sharing = { proxy: { address: proxy.address, secretKey: proxy.secretKey, oracle }, log: (line: string) => console.error(`[care ${port}] ${line}`) }
  }
  const httpPort = argument('--http-port')
  if (httpPort !== undefined && (!/^\d+$/.test(httpPort) || Number(httpPort) > 65_535)) throw new Error(`--http-port must be a TCP port (0: any free one), not ${httpPort}`)
  const httpUrl = argument('--http-url')
  if (httpUrl !== undefined && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(httpUrl)) throw new Error(`--http-url must be an http(s) URL, not ${httpUrl}`)
  const node = await startCareNode({
    port,
    host,
    peerKey: keys.peerKey,
    ...(storageDir ? { storageDir: path.resolve(storageDir) } : {}),
    ...(argument('--announce') ? { announce: argument('--announce')!.split(',') } : {}),
    pin: { log: (line) => console.error(`[care ${port}] ${line}`) },
    // Peers that lie, stall or break /salus/blocks/1.0.0, in the operator's log.
    blockExchange: { onEvent: (event) => console.error(`[care ${port}] blocks: ${event.type} ${event.peer}${'cid' in event ? ` ${event.cid}` : ''}: ${event.reason}`) },
    sharing,
    ...(httpPort !== undefined ? { http: { port: Number(httpPort), ...(httpUrl ? { publicUrl: httpUrl } : {}) } } : {}),
    ...(argument('--reencrypt-threads') !== undefined ? { reencryptThreads: reencryptThreads(argument('--reencrypt-threads')!) } : {}),
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
  const ready = { peerId: node.peerId, multiaddrs: node.multiaddrs, ...(node.httpUrl ? { httpUrl: node.httpUrl } : {}), ...(proxy ? { proxy: { address: proxy.address, umbralPublicKey: proxy.umbralPublicKey } } : {}) }
  process.stdout.write(JSON.stringify(ready) + '\n')
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error && 'shortMessage' in error ? `${error.message}` : error)
    process.exit(1)
  })
}
