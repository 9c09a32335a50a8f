// anchor.gas_per_record.batch100: gas of one anchor transaction for a 100-record batch,
// divided by 100, on a real anvil this benchmark starts (target ≤ 1,000).
import { keccak256, stringToHex, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { anchorBatch } from '../src/chain/anchorBatch.ts'
import { createSalusClients } from '../src/chain/createSalusClients.ts'
import { merkleRoot } from '../src/core/anchor/merkle.ts'
import { anvilAccount, deploySalus } from '../src/chain/deploy/deploySalus.ts'
import { startAnvil } from '../src/chain/deploy/startAnvil.ts'
import type { Benchmark } from './support/benchmark.ts'

async function gasPerRecordBatch100(): Promise<number> {
  const anvil = await startAnvil()
  try {
    const config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey })
    const { publicClient, walletClient } = createSalusClients(config, privateKeyToAccount(anvilAccount(8).privateKey))
    const anchors = config.contracts.Anchors.address
    const leaves = Array.from({ length: 100 }, (_, i): Hex => keccak256(stringToHex(`envelope ${i}`)))
    // The first anchor ever also creates the batch counter; measure a typical (second) one.
    await anchorBatch(walletClient, { anchors, root: keccak256(stringToHex('first')), count: 1 })
    const { txHash } = await anchorBatch(walletClient, { anchors, root: merkleRoot(leaves), count: leaves.length })
    const receipt = await publicClient.getTransactionReceipt({ hash: txHash })
    return Number(receipt.gasUsed) / leaves.length
  } finally {
    anvil.stop()
  }
}

export default [
  { name: 'anchor.gas_per_record.batch100', about: 'gas of one 100-record anchor transaction ÷ 100, on a real anvil', unit: 'gas', better: 'lower', target: 1_000, run: gasPerRecordBatch100 },
] satisfies Benchmark[]
