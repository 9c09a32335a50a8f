// anchor.gas_per_record.batch100: gas of one anchor transaction for a 100-record batch,
// divided by 100, on a real anvil this benchmark starts (target ≤ 1,000).
import { createPublicClient, http, keccak256, stringToHex, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { anchorBatch } from '../src/chain/anchorBatch.ts'
import { createSalusClients } from '../src/chain/createSalusClients.ts'
import { merkleRoot } from '../src/core/anchor/merkle.ts'
import { anvilAccount, deploySalus } from '../scripts/deploy.ts'
import { freePort } from '../test/support/freePort.ts'
import { spawnDevTool } from '../scripts/support/devTools.ts'

async function gasPerRecordBatch100(): Promise<number> {
  const port = await freePort()
  const launched = spawnDevTool('anvil', ['--port', String(port), '--silent'], { stdio: 'ignore' })
  const anvil = launched.child
  await launched.started
  try {
    const rpcUrl = `http://127.0.0.1:${port}`
    const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })
    for (let attempt = 0; ; attempt++) {
      try {
        await probe.getChainId()
        break
      } catch (error) {
        if (attempt > 100) throw error
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    const config = await deploySalus({ rpcUrl, privateKey: anvilAccount(0).privateKey })
    const { publicClient, walletClient } = createSalusClients(config, privateKeyToAccount(anvilAccount(8).privateKey))
    const anchors = config.contracts.Anchors.address
    const leaves = Array.from({ length: 100 }, (_, i): Hex => keccak256(stringToHex(`envelope ${i}`)))
    // The first anchor ever also creates the batch counter; measure a typical (second) one.
    await anchorBatch(walletClient, { anchors, root: keccak256(stringToHex('first')), count: 1 })
    const { txHash } = await anchorBatch(walletClient, { anchors, root: merkleRoot(leaves), count: leaves.length })
    const receipt = await publicClient.getTransactionReceipt({ hash: txHash })
    return Number(receipt.gasUsed) / leaves.length
  } finally {
    anvil.kill()
  }
}

export default [
  { name: 'anchor.gas_per_record.batch100', unit: 'gas', better: 'lower', target: 1_000, run: gasPerRecordBatch100 },
] satisfies { name: string; unit: string; better: 'lower' | 'higher'; target?: number; run: () => Promise<number> }[]
