// SPDX-License-Identifier: GPL-3.0-or-later
// Makes the development powers-of-tau file once (minutes of CPU), so builds reuse it.
// Every step is deterministic (a public beacon instead of secret entropy), so anyone
// can regenerate the same file and see that it holds no secret: fine for development,
// worthless for production, which needs a real multi-party ceremony (circuits/ptau/README.md).
// Usage: npx tsx scripts/makePtau.ts [power=14]
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { curves, powersOfTau } from 'snarkjs'

export const ptauPower = 14
export const ptauPath = (power = ptauPower) => join('circuits', 'ptau', `salus_dev_${power}.ptau`)

// sha256('Salus development powers of tau'): public, stands in for a randomness beacon.
const beaconHash = 'a42922af5b525667a0a393d3d83ea95c22e8499c8e45980c8d48873e435b0b20'

const logger = {
  debug: () => {},
  info: (m: string) => console.log(m),
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
}

async function main(): Promise<void> {
  const power = Number(process.argv[2] ?? ptauPower)
  const dir = join('circuits', 'ptau')
  await mkdir(dir, { recursive: true })
  const tmp0 = join(dir, `tmp_${power}_0.ptau`)
  const tmp1 = join(dir, `tmp_${power}_1.ptau`)
  const curve = await curves.getCurveFromName('bn128')
  const started = Date.now()
  try {
    await powersOfTau.newAccumulator(curve, power, tmp0, logger)
    await powersOfTau.beacon(tmp0, tmp1, 'Salus development beacon', beaconHash, 10, logger)
    await powersOfTau.preparePhase2(tmp1, ptauPath(power), logger)
  } finally {
    await rm(tmp0, { force: true })
    await rm(tmp1, { force: true })
    await curve.terminate()
  }
  console.log(`wrote ${ptauPath(power)} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
