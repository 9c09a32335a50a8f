// Gas of the prescription path on a real anvil deployed by deploySalus
// (bench/support/pharmacyStack.ts): pharmacy.dispense_gas (a dispense of a new
// prescription, not the contract's first: doctor's signature recovered, both roles read
// from the Registry, the count and the invoice written), pharmacy.pay_invoice_gas (an ETH
// payment to a pharmacist whose balance was empty: the dearest case, a fresh balance slot)
// and pharmacy.covered_pay_gas (a payment from the insurer's pool with a real Groth16
// proof through the generated verifier).
import { parseEther, type Hex } from 'viem'
import { dispensePrescription } from '../src/chain/pharmacy/dispensePrescription.ts'
import { payInvoice } from '../src/chain/pharmacy/payInvoice.ts'
import { withdrawPharmacyEarnings } from '../src/chain/pharmacy/withdrawPharmacyEarnings.ts'
import { releaseProverThreads } from '../src/zk/proveInNode.ts'
import type { Benchmark } from './support/benchmark.ts'
import { payCovered, prescribe, prescriptionPlan, rxAccounts, startPharmacyStack, type PharmacyStack } from './support/pharmacyStack.ts'

const price = parseEther('0.02')

async function gasOf(stack: PharmacyStack, txHash: Hex): Promise<number> {
  return Number((await stack.publicClient.getTransactionReceipt({ hash: txHash })).gasUsed)
}

/** One stack for the three figures, made on first use. */
let shared: Promise<PharmacyStack> | undefined
const stackOnce = () => (shared ??= startPharmacyStack())
let used = 0
async function done(): Promise<void> {
  // The last figure of this file that runs stops the chain.
  const wanted = benchmarks.filter((bench) => bench.name.startsWith(process.env.SALUS_BENCH_FILTER ?? '')).length
  if (++used >= wanted) await (await stackOnce()).stop()
}

async function dispenseOne(stack: PharmacyStack, by: number = rxAccounts.pharmacist) {
  return dispensePrescription(stack.wallet(by), { pharmacy: stack.pharmacy, token: await prescribe(stack, { repeats: 1 }), price })
}

const benchmarks: Benchmark[] = [
  {
    name: 'pharmacy.dispense_gas',
    about: 'gas of dispensing a new prescription (not the contract\'s first), on a real anvil',
    unit: 'gas',
    better: 'lower',
    target: 120_000,
    run: async () => {
      const stack = await stackOnce()
      try {
        await dispenseOne(stack)
        return await gasOf(stack, (await dispenseOne(stack)).txHash)
      } finally {
        await done()
      }
    },
  },
  {
    name: 'pharmacy.pay_invoice_gas',
    about: 'gas of paying an invoice in ETH to a pharmacist with an empty balance (not the contract\'s first payment), on a real anvil',
    unit: 'gas',
    better: 'lower',
    target: 80_000,
    run: async () => {
      const stack = await stackOnce()
      try {
        const patient = stack.wallet(rxAccounts.patient)
        // Another pharmacy's sale keeps the contract's total non-zero, as on a network in use.
        const other = await dispenseOne(stack, rxAccounts.otherPharmacist)
        await payInvoice(patient, { pharmacy: stack.pharmacy, invoiceId: other.invoiceId, amount: price })
        const first = await dispenseOne(stack)
        await payInvoice(patient, { pharmacy: stack.pharmacy, invoiceId: first.invoiceId, amount: price })
        await withdrawPharmacyEarnings(stack.wallet(rxAccounts.pharmacist), { pharmacy: stack.pharmacy })
        const { invoiceId } = await dispenseOne(stack)
        return await gasOf(stack, (await payInvoice(patient, { pharmacy: stack.pharmacy, invoiceId, amount: price })).txHash)
      } finally {
        await done()
      }
    },
  },
  {
    name: 'pharmacy.covered_pay_gas',
    about: 'gas of paying an invoice from the insurer\'s pool with a real eligibility proof (Pharmacy → Insurance → verifier), on a real anvil',
    unit: 'gas',
    better: 'lower',
    target: 400_000,
    run: async () => {
      const stack = await stackOnce()
      try {
        const secret = 987_654_321_123_456_789n
        const planId = await prescriptionPlan(stack, [secret], { amountCovered: price, perPeriod: 3 })
        const warm = await dispenseOne(stack)
        await payCovered(stack, { identitySecret: secret, planId, invoiceId: warm.invoiceId })
        const { invoiceId } = await dispenseOne(stack)
        return await gasOf(stack, (await payCovered(stack, { identitySecret: secret, planId, invoiceId })).txHash)
      } finally {
        await releaseProverThreads()
        await done()
      }
    },
  },
]

export default benchmarks
