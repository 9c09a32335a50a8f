/**
 * Command line for the deployment library (src/chain/deploy/deploySalus.ts): deploys every
 * Salus contract and writes the app's NetworkConfig.
 *
 *   npx tsx scripts/deploy.ts --rpc http://127.0.0.1:8545 --key 0x… [--seed] [--out public/config/salus.config.json]
 *                             [--trusted-setup circuits/ceremony.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Hex } from 'viem'
import { anvilAccount, deploySalus } from '../src/chain/deploy/deploySalus.ts'

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}

async function main(): Promise<void> {
  const rpcUrl = argument('--rpc') ?? 'http://127.0.0.1:8545'
  const seed = process.argv.includes('--seed')
  const privateKey = (argument('--key') ?? (seed ? anvilAccount(0).privateKey : undefined)) as Hex | undefined
  if (!privateKey || !/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
    throw new Error('usage: deploy.ts --rpc URL --key 0x<32-byte hex> [--seed] [--out FILE] [--trusted-setup CEREMONY_RECORD]')
  }
  const out = argument('--out') ?? 'public/config/salus.config.json'
  const config = await deploySalus({ rpcUrl, privateKey, seed, trustedSetup: argument('--trusted-setup') })
  mkdirSync(path.dirname(out), { recursive: true })
  writeFileSync(out, JSON.stringify(config, null, 2) + '\n')
  const names = Object.entries(config.contracts).map(([name, { address }]) => `${name} ${address}`)
  console.log(`${names.join(', ')} on chain ${config.chainId}; wrote ${out}`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error && 'shortMessage' in error ? error.shortMessage : error)
  process.exitCode = 1
})
