// Attack: the RPC node the patient's app talks to records every request. The patient's app
// shows whether a prescription was dispensed, when and where; if it asked the RPC for the
// dispenses of its rxHash (a log filter naming it, or dispenseCount(rxHash)), the RPC would
// tie that prescription's dispenses, and the pharmacies that made them, to the patient's
// connection. The promise: the patient's read (listPrescriptionDispenses) names neither the
// prescription's hash nor the block or transaction of its dispenses.
//
// Watched failing with the log query filtered by rxHash (args: { rxHash }), as first written.
import { createPublicClient, custom, http, type Hex, type Transport } from 'viem'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispensePrescription } from '../../src/chain/pharmacy/dispensePrescription.ts'
import { listPrescriptionDispenses } from '../../src/chain/pharmacy/listPrescriptionDispenses.ts'
import { prescriptionHash } from '../../src/core/pharmacy/prescription.ts'
import { prescribe, rxAccounts, startPharmacyStack, type PharmacyStack } from '../support/pharmacyStack.ts'

let stack: PharmacyStack
const log: string[] = []
let mine: { rxHash: Hex; txHash: Hex; blockNumber: bigint }

function recordingTransport(rpcUrl: string): Transport {
  const forward = http(rpcUrl, { retryCount: 0 })({ chain: foundry })
  return custom({
    async request({ method, params }) {
      log.push(`${method} ${JSON.stringify(params ?? []).toLowerCase()}`)
      return forward.request({ method, params })
    },
  })
}

beforeAll(async () => {
  stack = await startPharmacyStack()
  // Other patients' dispenses around the patient's, so "every dispense" is more than one.
  const others = [await prescribe(stack), await prescribe(stack)]
  await dispensePrescription(stack.wallet(rxAccounts.otherPharmacist), { pharmacy: stack.pharmacy, token: others[0]!, price: 1n })
  const token = await prescribe(stack, { repeats: 1 })
  const dispensed = await dispensePrescription(stack.wallet(rxAccounts.pharmacist), { pharmacy: stack.pharmacy, token, price: 2n })
  await dispensePrescription(stack.wallet(rxAccounts.otherPharmacist), { pharmacy: stack.pharmacy, token: others[1]!, price: 3n })
  mine = { rxHash: prescriptionHash(token), txHash: dispensed.txHash, blockNumber: dispensed.blockNumber }
}, 180_000)

afterAll(async () => {
  await stack?.stop()
})

describe('the RPC and the patient’s status read', () => {
  it('learns nothing of which prescription the patient asks about, yet the patient gets its dispense, when and where', async () => {
    const client = createPublicClient({ chain: foundry, transport: recordingTransport(stack.rpcUrl) })
    const dispenses = await listPrescriptionDispenses(client, { pharmacy: stack.pharmacy, rxHash: mine.rxHash, fromBlock: stack.fromBlock })
    expect(dispenses.map((d) => [d.pharmacist, d.dispenseNumber, d.amount])).toEqual([[stack.address(rxAccounts.pharmacist), 1, 2n]])
    expect(dispenses[0]!.dispensedAt).toBeGreaterThan(1_700_000_000)
    expect(log.length).toBeGreaterThan(0)
    const named = [mine.rxHash.slice(2).toLowerCase(), mine.txHash.slice(2).toLowerCase(), `"0x${mine.blockNumber.toString(16)}"`]
    expect(log.filter((entry) => named.some((value) => entry.includes(value)))).toEqual([])
  })
})
