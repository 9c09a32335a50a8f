// Pharmacy and Insurance's prescription cover on a real anvil deployed by deploySalus, with
// the real eligibility verifier and real Groth16 proofs: dispense, pay in ETH, pay from the
// pool (with a top-up), the pharmacy's sales and withdrawal, a prescription's dispenses,
// and the parity of every hash TypeScript computes with the contracts'.
import { hashTypedData, parseEther } from 'viem'
import { readContract } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Insurance } from '../../src/chain/generated/Insurance.ts'
import { Pharmacy } from '../../src/chain/generated/Pharmacy.ts'
import { createPlan } from '../../src/chain/insurance/createPlan.ts'
import { dispensePrescription } from '../../src/chain/pharmacy/dispensePrescription.ts'
import { invoiceCoverInput } from '../../src/chain/pharmacy/invoiceCoverInput.ts'
import { listPharmacySales } from '../../src/chain/pharmacy/listPharmacySales.ts'
import { listPrescriptionDispenses } from '../../src/chain/pharmacy/listPrescriptionDispenses.ts'
import { listSpentPrescriptionNullifiers } from '../../src/chain/pharmacy/listSpentPrescriptionNullifiers.ts'
import { payInvoice } from '../../src/chain/pharmacy/payInvoice.ts'
import { prescriptionCoverHash } from '../../src/chain/pharmacy/prescriptionCoverHash.ts'
import { prescriptionNullifierDomain } from '../../src/chain/pharmacy/prescriptionNullifierDomain.ts'
import { readDispenseCount } from '../../src/chain/pharmacy/readDispenseCount.ts'
import { readInvoice } from '../../src/chain/pharmacy/readInvoice.ts'
import { readPharmacyEarnings } from '../../src/chain/pharmacy/readPharmacyEarnings.ts'
import { readPrescriptionCover } from '../../src/chain/pharmacy/readPrescriptionCover.ts'
import { withdrawPharmacyEarnings } from '../../src/chain/pharmacy/withdrawPharmacyEarnings.ts'
import { nullifierDomain } from '../../src/chain/appointments/nullifierDomain.ts'
import { prescriptionMessage, prescriptionTypedData } from '../../src/core/pharmacy/prescription.ts'
import { ProofInputError } from '../../src/zk/zkErrors.ts'
import { payCovered, prescribe, prescriptionPlan, rxAccounts, startPharmacyStack, type PharmacyStack } from '../support/pharmacyStack.ts'

let stack: PharmacyStack
const memberSecret = 123_456_789_987_654_321n

beforeAll(async () => {
  stack = await startPharmacyStack()
}, 180_000)

afterAll(async () => {
  await stack?.stop()
})

describe('Pharmacy on the deployed network', () => {
  it('is in the network config and bound in Insurance as the only claimant of prescription cover', async () => {
    expect(stack.config.contracts.Pharmacy?.address).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(await readContract(stack.publicClient, { address: stack.insurance, abi: Insurance.abi, functionName: 'pharmacy' })).toBe(stack.pharmacy)
    expect(await readContract(stack.publicClient, { address: stack.pharmacy, abi: Pharmacy.abi, functionName: 'insurance' })).toBe(stack.insurance)
  })

  it('TypeScript and the contracts agree on the signed digest, the cover binding and the two nullifier domains', async () => {
    const token = await prescribe(stack, { repeats: 2 })
    const digest = await readContract(stack.publicClient, { address: stack.pharmacy, abi: Pharmacy.abi, functionName: 'prescriptionDigest', args: [prescriptionMessage(token)] })
    expect(digest).toBe(hashTypedData(prescriptionTypedData(token, { chainId: stack.chainId, pharmacy: stack.pharmacy })))
    const [pharmacist, payer] = [stack.address(rxAccounts.pharmacist), stack.address(rxAccounts.stranger)]
    const onChain = await readContract(stack.publicClient, { address: stack.insurance, abi: Insurance.abi, functionName: 'prescriptionCoverHash', args: [7n, pharmacist, stack.pharmacy, payer] })
    expect(onChain).toBe(prescriptionCoverHash({ invoiceId: 7n, pharmacist, pharmacy: stack.pharmacy, chainId: stack.chainId, payer }))
    const rxDomain = await readContract(stack.publicClient, { address: stack.insurance, abi: Insurance.abi, functionName: 'prescriptionNullifierDomain' })
    expect(rxDomain).toBe(prescriptionNullifierDomain({ chainId: stack.chainId, insurance: stack.insurance }))
    expect(rxDomain).not.toBe(nullifierDomain({ chainId: stack.chainId, insurance: stack.insurance }))
  })

  it('dispenses up to the repeats and tells when and where each dispense was; the patient pays in ETH; the pharmacist sees the sale and withdraws', async () => {
    const token = await prescribe(stack, { repeats: 1 })
    const price = parseEther('0.013')
    const first = await dispensePrescription(stack.wallet(rxAccounts.pharmacist), { pharmacy: stack.pharmacy, token, price })
    const second = await dispensePrescription(stack.wallet(rxAccounts.otherPharmacist), { pharmacy: stack.pharmacy, token, price: price * 2n })
    expect([first.dispenseNumber, second.dispenseNumber]).toEqual([1, 2])
    expect(await readDispenseCount(stack.publicClient, { pharmacy: stack.pharmacy, rxHash: first.rxHash })).toBe(2)
    const dispenses = await listPrescriptionDispenses(stack.publicClient, { pharmacy: stack.pharmacy, rxHash: first.rxHash, fromBlock: stack.fromBlock })
    expect(dispenses.map((d) => [d.pharmacist, d.dispenseNumber, d.amount])).toEqual([
      [stack.address(rxAccounts.pharmacist), 1, price],
      [stack.address(rxAccounts.otherPharmacist), 2, price * 2n],
    ])
    expect(Math.abs(dispenses[0]!.dispensedAt - Math.floor(Date.now() / 1000))).toBeLessThan(3600)

    const invoice = await readInvoice(stack.publicClient, { pharmacy: stack.pharmacy, invoiceId: first.invoiceId })
    expect(invoice).toMatchObject({ pharmacist: stack.address(rxAccounts.pharmacist), amount: price, status: 'open' })
    const paid = await payInvoice(stack.wallet(rxAccounts.patient), { pharmacy: stack.pharmacy, invoiceId: first.invoiceId, amount: price })
    const sales = await listPharmacySales(stack.publicClient, { pharmacy: stack.pharmacy, pharmacist: stack.address(rxAccounts.pharmacist), fromBlock: stack.fromBlock })
    const sale = sales.find((s) => s.invoiceId === first.invoiceId)!
    expect(sale).toMatchObject({ rxHash: first.rxHash, dispenseNumber: 1, amount: price, payment: { paid: price, covered: 0n, txHash: paid.txHash } })

    const earned = await readPharmacyEarnings(stack.publicClient, { pharmacy: stack.pharmacy, pharmacist: stack.address(rxAccounts.pharmacist) })
    expect(earned).toBeGreaterThanOrEqual(price)
    const withdrawn = await withdrawPharmacyEarnings(stack.wallet(rxAccounts.pharmacist), { pharmacy: stack.pharmacy })
    expect(withdrawn.amount).toBe(earned)
    expect(await readPharmacyEarnings(stack.publicClient, { pharmacy: stack.pharmacy, pharmacist: stack.address(rxAccounts.pharmacist) })).toBe(0n)
  })

  it('pays from the insurer’s pool with a real proof, the patient topping up exactly what the plan does not cover; the period’s covered prescriptions run out', async () => {
    const planId = await prescriptionPlan(stack, [memberSecret], { amountCovered: parseEther('0.01'), perPeriod: 1 })
    const insurer = stack.address(rxAccounts.insurer)
    const price = parseEther('0.015')
    const a = await dispensePrescription(stack.wallet(rxAccounts.otherPharmacist), { pharmacy: stack.pharmacy, token: await prescribe(stack), price })
    const pool = await readContract(stack.publicClient, { address: stack.insurance, abi: Insurance.abi, functionName: 'poolOf', args: [insurer] })
    const covered = await payCovered(stack, { identitySecret: memberSecret, planId, invoiceId: a.invoiceId, topUp: parseEther('0.005') })
    expect((await readInvoice(stack.publicClient, { pharmacy: stack.pharmacy, invoiceId: a.invoiceId })).status).toBe('paid-covered')
    expect(pool - (await readContract(stack.publicClient, { address: stack.insurance, abi: Insurance.abi, functionName: 'poolOf', args: [insurer] }))).toBe(parseEther('0.01'))
    const spent = await listSpentPrescriptionNullifiers(stack.publicClient, { insurance: stack.insurance, insurer, planId })
    expect(spent).toEqual(new Set([covered.nullifier]))
    const sale = (await listPharmacySales(stack.publicClient, { pharmacy: stack.pharmacy, pharmacist: stack.address(rxAccounts.otherPharmacist) })).find((s) => s.invoiceId === a.invoiceId)!
    expect(sale.payment).toMatchObject({ paid: parseEther('0.005'), covered: parseEther('0.01') })

    // One covered prescription a period: the next invoice finds none left, before any proof.
    const b = await dispensePrescription(stack.wallet(rxAccounts.otherPharmacist), { pharmacy: stack.pharmacy, token: await prescribe(stack), price })
    const cover = await readPrescriptionCover(stack.publicClient, { insurance: stack.insurance, planId })
    const invoice = await readInvoice(stack.publicClient, { pharmacy: stack.pharmacy, invoiceId: b.invoiceId })
    const attempt = invoiceCoverInput({
      identitySecret: memberSecret, credential: { plan: { planId, periodLength: 30 * 86_400 }, leaf: 1n, validUntil: 4_000_000_000n }, cover, leaves: [1n], invoice, spent,
      chainId: stack.chainId, pharmacy: stack.pharmacy, insurance: stack.insurance, payer: stack.address(rxAccounts.stranger),
    })
    await expect(attempt).rejects.toThrow(ProofInputError)
    await expect(attempt).rejects.toThrow(/used all 1 covered prescription/)
  })

  it('a plan whose insurer never said it covers prescriptions is refused before any proof', async () => {
    const { planId } = await createPlan(stack.wallet(rxAccounts.insurer), { insurance: stack.insurance, name: 'Visits only', feeCovered: parseEther('0.05'), visitsPerPeriod: 2, periodLength: 30 * 86_400 })
    const cover = await readPrescriptionCover(stack.publicClient, { insurance: stack.insurance, planId })
    expect(cover).toEqual({ amountCovered: 0n, perPeriod: 0 })
    await expect(invoiceCoverInput({
      identitySecret: memberSecret, credential: { plan: { planId, periodLength: 30 * 86_400 }, leaf: 1n, validUntil: 4_000_000_000n }, cover, leaves: [1n],
      invoice: { invoiceId: 1n, pharmacist: stack.address(rxAccounts.pharmacist), dispenseDay: 0 }, spent: new Set(),
      chainId: stack.chainId, pharmacy: stack.pharmacy, insurance: stack.insurance, payer: stack.address(rxAccounts.stranger),
    })).rejects.toThrow(/does not cover prescriptions/)
  })
})
