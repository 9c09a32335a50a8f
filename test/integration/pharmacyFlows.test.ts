import { privateKeyToAccount } from 'viem/accounts'
import { deployContract, getBalance, waitForTransactionReceipt } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContractRefusedError } from '../../src/chain/chainErrors.ts'
import { createSalusClients } from '../../src/chain/createSalusClients.ts'
import { decertifyProvider } from '../../src/chain/decertifyProvider.ts'
import { anvilAccount, deploySalus } from '../../src/chain/deploy/deploySalus.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'
import { Pharmacy } from '../../src/chain/generated/Pharmacy.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { mailboxAddress } from '../../src/core/careLoop/mailboxKeys.ts'
import { buildPrescription } from '../../src/core/fhir/doctorForms.ts'
import { encodePrescriptionToken, newPrescriptionSalt, prescriptionTypedData, type PrescriptionToken } from '../../src/core/pharmacy/prescription.ts'
import type { MailboxAccess, MailboxEntryIn } from '../../src/flows/careLoop/mailboxAccess.ts'
import { dispensePrescription, refusePrescription } from '../../src/flows/pharmacy/dispensePrescription.ts'
import { collectPharmacyNotices, keepDispenseRecords, payPharmacyInvoice } from '../../src/flows/pharmacy/patientPrescriptions.ts'
import { PharmacyUnavailableError, PrescriptionRefusedError } from '../../src/flows/pharmacy/pharmacyFlowErrors.ts'
import { verifyPrescription } from '../../src/flows/pharmacy/verifyPrescription.ts'
import { pharmacyChainOf } from '../../src/ui/state/pharmacy/pharmacyChainOf.ts'
import { setPrescriptionCover } from '../../src/chain/pharmacy/setPrescriptionCover.ts'
import { payInvoiceWithInsurance } from '../../src/flows/pharmacy/payInvoiceWithInsurance.ts'
import { getTransaction } from 'viem/actions'
import { bookingContextFor, coveredPlan, credentialOf, insurerKey } from '../attacks/support/coveredBooking.ts'
import { nodeProverWorker } from '../attacks/support/nodeProverWorker.ts'

/**
 * The pharmacy flows on a real anvil with the real Pharmacy contract and the seeded
 * Registry (doctors 2-4, pharmacist 16): read, dispense, notice, pay exactly, repeats,
 * decertified doctor, uncertified pharmacy, expiry. The care nodes' mailbox is an in-memory
 * one here (the e2e test carries these over real care nodes).
 */
let anvil: Anvil
let config: NetworkConfig
const price = 12_000_000_000_000_000n // 0.012 ETH

/** A mailbox keyed by address, as the care nodes keep it. */
function memoryMailbox(): MailboxAccess {
  const boxes = new Map<string, MailboxEntryIn[]>()
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
  let next = 0
  return {
    async post({ to, payload }) {
      boxes.set(hex(to), [...(boxes.get(hex(to)) ?? []), { id: `e${next++}`, payload }])
    },
    async take({ secretKey }) {
      return boxes.get(hex(mailboxAddress(secretKey))) ?? []
    },
    async ack({ secretKey }, ids) {
      const key = hex(mailboxAddress(secretKey))
      boxes.set(key, (boxes.get(key) ?? []).filter((entry) => !ids.includes(entry.id)))
    },
  }
}

function chainFor(index: number) {
  const account = privateKeyToAccount(anvilAccount(index).privateKey)
  const { publicClient, walletClient } = createSalusClients(config, account)
  return { account, chain: pharmacyChainOf({ config, publicClient, walletClient }), walletClient }
}

async function prescription(doctorIndex: number, p: { repeats: number; issuedAt?: number; notAfter?: number }): Promise<{ token: PrescriptionToken; text: string }> {
  const doctor = privateKeyToAccount(anvilAccount(doctorIndex).privateKey)
  const request = buildPrescription({
    author: { account: doctor.address, name: 'Dr. Test' }, visitDate: '2026-12-07', medication: 'Amoxicillin 500 mg capsule', dose: { value: 500, unit: 'mg' },
    route: 'oral', frequency: { times: 3, period: 1, periodUnit: 'd' }, durationDays: 7, repeats: p.repeats,
  })
  const issuedAt = p.issuedAt ?? Math.floor(Date.now() / 1000)
  const terms = { medicationRequest: request, salt: newPrescriptionSalt(), repeats: p.repeats, issuedAt, notAfter: p.notAfter ?? issuedAt + 90 * 86_400, doctor: doctor.address }
  const signature = await doctor.signTypedData(prescriptionTypedData(terms, { chainId: config.chainId, pharmacy: config.contracts.Pharmacy!.address }))
  const token = { ...terms, signature }
  return { token, text: encodePrescriptionToken(token, 'http://localhost:5173') }
}

const paulaAuthor = () => ({ account: anvilAccount(16).account.address, name: 'Pharmacist Paula Reyes, Riverside Pharmacy', pharmacy: 'Riverside Pharmacy' })

beforeAll(async () => {
  anvil = await startAnvil()
  const deployed = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
  if (deployed.contracts.Pharmacy) {
    config = deployed
  } else {
    // Until deploySalus deploys it (s4-rxchain): the contract as it is, beside the seeded Registry and Insurance.
    const deployer = createSalusClients(deployed, privateKeyToAccount(anvilAccount(0).privateKey)).walletClient
    const hash = await deployContract(deployer, { abi: Pharmacy.abi, bytecode: Pharmacy.bytecode, args: [deployed.contracts.Registry.address, deployed.contracts.Insurance!.address] })
    const receipt = await waitForTransactionReceipt(deployer, { hash })
    config = { ...deployed, contracts: { ...deployed.contracts, Pharmacy: { address: receipt.contractAddress!, deployBlock: Number(receipt.blockNumber) } } }
  }
}, 120_000)

afterAll(() => anvil?.stop())

describe('pharmacy flows on the real chain', () => {
  it('reads, dispenses, invoices, and the patient pays exactly; the repeat after the last is refused', async () => {
    const paula = chainFor(16)
    const alice = chainFor(8)
    const mailbox = memoryMailbox()
    const { token, text } = await prescription(3, { repeats: 1 })

    const review = await verifyPrescription(text, paula.chain)
    expect(review).toMatchObject({ signature: true, fills: 2, dispensed: 0, repeatsLeft: 1, medication: 'Amoxicillin 500 mg capsule' })
    expect(review.refusal).toBeUndefined()
    expect(review.doctor).toMatchObject({ certifiedAtIssue: true, certifiedNow: true, certifiedBy: anvilAccount(1).account.address, entry: { name: 'Dr. Lukas Weber' } })

    const first = await dispensePrescription({ review, price, pharmacist: paulaAuthor(), chain: paula.chain, signMessage: (digest) => paula.account.signMessage({ message: { raw: digest } }), mailbox })
    expect(first.dispenseNumber).toBe(1)

    const kept: unknown[] = []
    const notices = await collectPharmacyNotices({ prescriptions: [{ token, rxHash: review.rxHash }], mailbox, chain: alice.chain, keep: (n) => void kept.push(...n) })
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatchObject({ kind: 'dispensed', invoice: { id: first.invoiceId, amount: price } })
    // Acknowledged: a second collection finds nothing new.
    expect(await collectPharmacyNotices({ prescriptions: [{ token, rxHash: review.rxHash }], mailbox, chain: alice.chain, keep: () => {} })).toHaveLength(0)

    // A notice that asks another amount than the chain's invoice is refused before anything is sent.
    const forged = { ...notices[0]!, invoice: { ...notices[0]!.invoice!, amount: price - 1n } }
    await expect(payPharmacyInvoice({ notice: forged, chain: alice.chain })).rejects.toMatchObject({ name: 'PrescriptionRefusedError', reason: 'wrong-fee' })
    // The chain refuses a wrong amount too.
    await expect(alice.chain.payInvoice(first.invoiceId, price + 1n)).rejects.toBeInstanceOf(ContractRefusedError)

    const before = await getBalance(alice.chain.client, { address: alice.account.address })
    const paid = await payPharmacyInvoice({ notice: notices[0]!, chain: alice.chain })
    expect(paid.amount).toBe(price)
    expect(before - (await getBalance(alice.chain.client, { address: alice.account.address }))).toBeGreaterThanOrEqual(price)
    expect(await alice.chain.readInvoice(first.invoiceId)).toMatchObject({ status: 'paid', amount: price })
    await expect(payPharmacyInvoice({ notice: notices[0]!, chain: alice.chain })).rejects.toBeInstanceOf(PharmacyUnavailableError)

    const added: { resource: { resourceType: string; status?: unknown } }[] = []
    await keepDispenseRecords({ vault: { addRecord: async (p) => (added.push(p as never), {} as never) }, notice: notices[0]!, payment: { txHash: paid.txHash, covered: false, paidAt: new Date().toISOString() } })
    expect(added.map((a) => [a.resource.resourceType, a.resource.status])).toEqual([['MedicationDispense', 'completed'], ['Invoice', 'balanced']])

    // The repeat, then nothing more.
    const again = await verifyPrescription(text, paula.chain)
    expect(again).toMatchObject({ dispensed: 1, repeatsLeft: 1, fillsLeft: 1 })
    const second = await dispensePrescription({ review: again, price, pharmacist: paulaAuthor(), chain: paula.chain, signMessage: (digest) => paula.account.signMessage({ message: { raw: digest } }), mailbox })
    expect(second.dispenseNumber).toBe(2)
    const done = await verifyPrescription(text, paula.chain)
    expect(done).toMatchObject({ dispensed: 2, repeatsLeft: 0, fillsLeft: 0, refusal: 'no-repeats-left' })
    await expect(dispensePrescription({ review: done, price, pharmacist: paulaAuthor(), chain: paula.chain, signMessage: async () => '0x', mailbox })).rejects.toMatchObject({ name: 'PrescriptionRefusedError', reason: 'no-repeats-left' })
    // The chain refuses it even when the app's check is skipped.
    await expect(paula.chain.dispense(token, price)).rejects.toBeInstanceOf(ContractRefusedError)

    const sales = await paula.chain.sales(paula.account.address)
    expect(sales.map((s) => [s.dispenseNumber, s.paid])).toEqual([[2, false], [1, true]])
    expect(await paula.chain.withdrawable(paula.account.address)).toBe(price)
    expect((await paula.chain.withdraw()).amount).toBe(price)
    expect(await paula.chain.withdrawable(paula.account.address)).toBe(0n)
  })

  it('a single-fill prescription is refused as already dispensed', async () => {
    const paula = chainFor(16)
    const { text } = await prescription(2, { repeats: 0 })
    await dispensePrescription({ review: await verifyPrescription(text, paula.chain), price, pharmacist: paulaAuthor(), chain: paula.chain, signMessage: (d) => paula.account.signMessage({ message: { raw: d } }), mailbox: memoryMailbox() })
    expect((await verifyPrescription(text, paula.chain)).refusal).toBe('already-dispensed')
  })

  it('refuses an expired prescription, a forged one, and an account that is not a certified pharmacist', async () => {
    const paula = chainFor(16)
    const now = Math.floor(Date.now() / 1000)
    const shortLived = await prescription(2, { repeats: 0, issuedAt: now, notAfter: now + 60 })
    expect((await verifyPrescription(shortLived.text, paula.chain)).refusal).toBeUndefined()
    expect((await verifyPrescription(shortLived.text, paula.chain, () => (now + 120) * 1000)).refusal).toBe('expired')

    const { token } = await prescription(2, { repeats: 0 })
    const other = await prescription(3, { repeats: 0 })
    const forged = encodePrescriptionToken({ ...token, signature: other.token.signature })
    expect((await verifyPrescription(forged, paula.chain)).refusal).toBe('bad-signature')

    const nia = chainFor(10)
    const review = await verifyPrescription((await prescription(2, { repeats: 0 })).text, nia.chain)
    expect(review.refusal).toBeUndefined()
    await expect(
      dispensePrescription({ review, price, pharmacist: { account: nia.account.address, name: 'Nia', pharmacy: 'Nowhere' }, chain: nia.chain, signMessage: (d) => nia.account.signMessage({ message: { raw: d } }), mailbox: memoryMailbox() }),
    ).rejects.toMatchObject({ name: 'PrescriptionRefusedError', reason: 'uncertified-pharmacy' })
  })

  it('refuses a prescription once its doctor is decertified; the refusal with a reason reaches the patient', async () => {
    const paula = chainFor(16)
    const { token, text } = await prescription(4, { repeats: 0 })
    // The decertification comes later than the prescription (chain time moves on).
    await paula.chain.client.request({ method: 'evm_increaseTime', params: [30] } as never)
    const council = createSalusClients(config, privateKeyToAccount(anvilAccount(1).privateKey)).walletClient
    await decertifyProvider(council, { registry: config.contracts.Registry.address, role: 'doctor', account: anvilAccount(4).account.address })
    const review = await verifyPrescription(text, paula.chain)
    expect(review.doctor).toMatchObject({ certifiedAtIssue: true, certifiedNow: false })
    expect(review.refusal).toBe('decertified-doctor')
    await expect(dispensePrescription({ review, price, pharmacist: paulaAuthor(), chain: paula.chain, signMessage: async () => '0x', mailbox: memoryMailbox() })).rejects.toThrow(PrescriptionRefusedError)

    const mailbox = memoryMailbox()
    await refusePrescription({ review, reason: 'The prescriber is no longer certified', pharmacist: paulaAuthor(), chain: paula.chain, signMessage: (d) => paula.account.signMessage({ message: { raw: d } }), mailbox })
    const notices = await collectPharmacyNotices({ prescriptions: [{ token, rxHash: review.rxHash }], mailbox, chain: chainFor(8).chain, keep: () => {} })
    expect(notices[0]).toMatchObject({ kind: 'refused', dispense: { status: 'declined', statusReasonCodeableConcept: { text: 'The prescriber is no longer certified' } } })
  })

  it('pays an invoice from the insurer’s pool with a real proof, sent by a one-off account; the plan’s cover decides, the patient tops up the rest', async () => {
    const paula = chainFor(16)
    const identitySecret = 0x5eed_1234n
    const planId = await coveredPlan(config, [identitySecret], 2)
    const context = { ...bookingContextFor(config), pharmacy: config.contracts.Pharmacy!.address }
    const credential = await credentialOf(context, identitySecret, planId)
    const { text } = await prescription(3, { repeats: 0 })
    const { invoiceId } = await dispensePrescription({ review: await verifyPrescription(text, paula.chain), price, pharmacist: paulaAuthor(), chain: paula.chain, signMessage: (d) => paula.account.signMessage({ message: { raw: d } }), mailbox: memoryMailbox() })
    const worker = nodeProverWorker()
    // Until the insurer says so, the plan covers visits only.
    await expect(payInvoiceWithInsurance({ context, identitySecret, credential, invoiceId, worker, onStep: () => {} })).rejects.toMatchObject({ name: 'ProofInputError' })
    const insurer = createSalusClients(config, privateKeyToAccount(insurerKey)).walletClient
    await setPrescriptionCover(insurer, { insurance: config.contracts.Insurance!.address, planId, amountCovered: 10_000_000_000_000_000n, perPeriod: 2 })
    const steps: string[] = []
    const paid = await payInvoiceWithInsurance({ context, identitySecret, credential, invoiceId, worker, onStep: (step) => steps.push(step) })
    expect(paid).toMatchObject({ covered: 10_000_000_000_000_000n, topUp: 2_000_000_000_000_000n })
    expect(steps).toContain('Sending the payment')
    expect(await paula.chain.readInvoice(invoiceId)).toMatchObject({ status: 'paid-covered' })
    // Sent by the one-off account, not the patient's.
    const tx = await getTransaction(paula.chain.client, { hash: paid.txHash })
    expect(tx.from.toLowerCase()).toBe(paid.payer.toLowerCase())
    expect(tx.from.toLowerCase()).not.toBe(anvilAccount(8).account.address.toLowerCase())
    expect(tx.value).toBe(paid.topUp)
    await expect(payInvoiceWithInsurance({ context, identitySecret, credential, invoiceId, worker, onStep: () => {} })).rejects.toBeInstanceOf(PharmacyUnavailableError)
  }, 180_000)
})
