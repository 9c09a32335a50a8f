// Attacks on dispensing and paying, on a real anvil with the deployed Pharmacy and Insurance:
// a forged prescription (content altered after signing, or a signature lifted onto another
// prescription), one signed by a non-doctor, a replay past the repeats, a wrong fee, an
// uncertified pharmacy, an expired prescription and a decertified doctor. Each is refused
// on chain with a ContractRefusedError naming the rule and a sentence a pharmacist or
// patient can act on, and nothing changes (the dispense count, the invoice, the balances).
import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContractRefusedError } from '../../src/chain/chainErrors.ts'
import { decertifyProvider } from '../../src/chain/decertifyProvider.ts'
import { dispensePrescription } from '../../src/chain/pharmacy/dispensePrescription.ts'
import { payInvoice } from '../../src/chain/pharmacy/payInvoice.ts'
import { readDispenseCount } from '../../src/chain/pharmacy/readDispenseCount.ts'
import { readInvoice } from '../../src/chain/pharmacy/readInvoice.ts'
import { readPharmacyEarnings } from '../../src/chain/pharmacy/readPharmacyEarnings.ts'
import { pharmacyRevertSentences } from '../../src/chain/pharmacy/pharmacyRevertSentences.ts'
import { buildPrescription } from '../../src/core/fhir/doctorForms.ts'
import { prescriptionHash, verifyPrescriptionSignature } from '../../src/core/pharmacy/prescription.ts'
import { PrescriptionInvalidError } from '../../src/core/pharmacy/prescriptionErrors.ts'
import { chainNow, prescribe, rxAccounts, startPharmacyStack, type PharmacyStack } from '../support/pharmacyStack.ts'

let stack: PharmacyStack
const price = parseEther('0.02')

beforeAll(async () => {
  stack = await startPharmacyStack()
}, 180_000)

afterAll(async () => {
  await stack?.stop()
})

async function refusal(attempt: Promise<unknown>): Promise<ContractRefusedError> {
  const error = await attempt.then(() => undefined, (caught: unknown) => caught)
  expect(error).toBeInstanceOf(ContractRefusedError)
  return error as ContractRefusedError
}

const dispense = (token: Awaited<ReturnType<typeof prescribe>>, by: number = rxAccounts.pharmacist, amount = price) =>
  dispensePrescription(stack.wallet(by), { pharmacy: stack.pharmacy, token, price: amount })

describe('dispensing: every forged or spent prescription is refused on chain', () => {
  it('a prescription altered after signing (another drug under the doctor’s signature) is refused as not a doctor’s', async () => {
    const token = await prescribe(stack)
    const other = buildPrescription({
      author: { account: token.doctor, name: 'Dr. Amara Okafor' },
      visitDate: '2026-12-07',
      medication: 'Oxycodone 80 mg tablet',
      dose: { value: 1, unit: 'tablet' },
      route: 'oral',
      frequency: { times: 4, period: 1, periodUnit: 'd' },
      durationDays: 30,
      repeats: 0,
    })
    const forged = { ...token, medicationRequest: other }
    // The pharmacist's app catches it before any transaction…
    await expect(verifyPrescriptionSignature(forged, { chainId: stack.chainId, pharmacy: stack.pharmacy })).rejects.toBeInstanceOf(PrescriptionInvalidError)
    // …and the chain refuses it even from an app that does not check.
    const refused = await refusal(dispense(forged))
    expect(refused.errorName).toBe('Pharmacy__NotDoctor')
    expect(refused.shortMessage).toBe(pharmacyRevertSentences.Pharmacy__NotDoctor)
    expect(await readDispenseCount(stack.publicClient, { pharmacy: stack.pharmacy, rxHash: prescriptionHash(forged) })).toBe(0)
  })

  it('more repeats written into a signed prescription are refused', async () => {
    const token = await prescribe(stack, { repeats: 0 })
    const refused = await refusal(dispensePrescription(stack.wallet(rxAccounts.pharmacist), {
      pharmacy: stack.pharmacy,
      token: { ...token, repeats: 5, medicationRequest: { ...token.medicationRequest, dispenseRequest: { numberOfRepeatsAllowed: 5 } } },
      price,
    }))
    expect(refused.errorName).toBe('Pharmacy__NotDoctor')
  })

  it('a prescription signed by someone who is not a doctor (a patient, a pharmacist) is refused', async () => {
    for (const signerIndex of [rxAccounts.patient, rxAccounts.otherPharmacist]) {
      const token = await prescribe(stack, { doctorIndex: signerIndex })
      const refused = await refusal(dispense(token))
      expect(refused.errorName).toBe('Pharmacy__NotDoctor')
      expect(String(refused.args[0]).toLowerCase()).toBe(stack.address(signerIndex).toLowerCase())
    }
  })

  it('a replayed dispense past the repeats is refused, at any pharmacy', async () => {
    const token = await prescribe(stack, { repeats: 1 })
    expect((await dispense(token)).dispenseNumber).toBe(1)
    expect((await dispense(token, rxAccounts.otherPharmacist)).dispenseNumber).toBe(2)
    for (const by of [rxAccounts.pharmacist, rxAccounts.otherPharmacist]) {
      const refused = await refusal(dispense(token, by))
      expect(refused.errorName).toBe('Pharmacy__NoDispensesLeft')
      expect(refused.shortMessage).toMatch(/no repeats left/)
    }
    expect(await readDispenseCount(stack.publicClient, { pharmacy: stack.pharmacy, rxHash: prescriptionHash(token) })).toBe(2)
  })

  it('a pharmacy that is not certified (a stranger, a doctor) cannot dispense', async () => {
    const token = await prescribe(stack)
    for (const by of [rxAccounts.stranger, rxAccounts.doctor]) {
      const refused = await refusal(dispense(token, by))
      expect(refused.errorName).toBe('Pharmacy__NotPharmacist')
      expect(refused.shortMessage).toMatch(/certified by a pharmacy council/)
    }
  })

  it('an expired prescription is refused', async () => {
    const now = await chainNow(stack)
    const token = await prescribe(stack, { now: now - 40 * 86_400, days: 30 })
    const refused = await refusal(dispense(token))
    expect(refused.errorName).toBe('Pharmacy__Expired')
    expect(refused.shortMessage).toMatch(/expired/)
  })

  it('a decertified doctor’s prescription is refused from the decertification on', async () => {
    const token = await prescribe(stack, { doctorIndex: rxAccounts.otherDoctor, repeats: 2 })
    await dispense(token)
    await decertifyProvider(stack.wallet(1), { registry: stack.registry, role: 'doctor', account: stack.address(rxAccounts.otherDoctor) })
    const refused = await refusal(dispense(token))
    expect(refused.errorName).toBe('Pharmacy__NotDoctor')
    expect(refused.shortMessage).toMatch(/decertified/)
    expect(await readDispenseCount(stack.publicClient, { pharmacy: stack.pharmacy, rxHash: prescriptionHash(token) })).toBe(1)
  })
})

describe('paying: an invoice is paid exactly, once', () => {
  it('a wrong fee (one wei less or more, or nothing) is refused and nothing is charged; the exact fee pays; a second payment is refused', async () => {
    const { invoiceId } = await dispense(await prescribe(stack))
    const patient = stack.wallet(rxAccounts.patient)
    const before = await stack.publicClient.getBalance({ address: patient.account.address })
    for (const amount of [price - 1n, price + 1n, 0n]) {
      const refused = await refusal(payInvoice(patient, { pharmacy: stack.pharmacy, invoiceId, amount }))
      expect(refused.errorName).toBe('Pharmacy__WrongAmount')
      expect(refused.shortMessage).toMatch(/Nothing was charged/)
    }
    expect((await readInvoice(stack.publicClient, { pharmacy: stack.pharmacy, invoiceId })).status).toBe('open')
    const earned = await readPharmacyEarnings(stack.publicClient, { pharmacy: stack.pharmacy, pharmacist: stack.address(rxAccounts.pharmacist) })
    await payInvoice(patient, { pharmacy: stack.pharmacy, invoiceId, amount: price })
    const after = await stack.publicClient.getBalance({ address: patient.account.address })
    // Only the price and gas left the wallet; the refused attempts never reached the chain (estimate failed).
    expect(before - after >= price && before - after < price + parseEther('0.001')).toBe(true)
    expect(await readPharmacyEarnings(stack.publicClient, { pharmacy: stack.pharmacy, pharmacist: stack.address(rxAccounts.pharmacist) })).toBe(earned + price)
    const again = await refusal(payInvoice(patient, { pharmacy: stack.pharmacy, invoiceId, amount: price }))
    expect(again.errorName).toBe('Pharmacy__InvoiceNotOpen')
    expect(again.shortMessage).toMatch(/already been paid/)
  })

  it('an unknown invoice is refused with its own sentence', async () => {
    const refused = await refusal(payInvoice(stack.wallet(rxAccounts.patient), { pharmacy: stack.pharmacy, invoiceId: 10_000n, amount: price }))
    expect(refused.errorName).toBe('Pharmacy__UnknownInvoice')
  })
})
