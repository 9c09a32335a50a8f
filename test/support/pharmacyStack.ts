// The prescription stack of the pharmacy integration, attack and bench runs: a seeded local
// chain (src/chain/deploy/startLocalChain.ts, which deploys Pharmacy), a pharmacy council
// (account 10) certifying two pharmacists (11, 12), doctors 2 and 3 signing real
// prescriptions, a plan covering prescriptions, and covered payments made with real
// eligibility proofs from a one-off account funded by the local faucet.
import path from 'node:path'
import { parseEther, type Address, type Hash } from 'viem'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { startLocalChain, type LocalChain } from '../../src/chain/deploy/startLocalChain.ts'
import { fundOneOffAccount } from '../../src/chain/fundOneOffAccount.ts'
import { grantRegistryRole } from '../../src/chain/grantRegistryRole.ts'
import { createPlan } from '../../src/chain/insurance/createPlan.ts'
import { enrolMember } from '../../src/chain/insurance/enrolMember.ts'
import { fundPool } from '../../src/chain/insurance/fundPool.ts'
import { listMemberLeaves } from '../../src/chain/insurance/listMemberLeaves.ts'
import { invoiceCoverInput } from '../../src/chain/pharmacy/invoiceCoverInput.ts'
import { listSpentPrescriptionNullifiers } from '../../src/chain/pharmacy/listSpentPrescriptionNullifiers.ts'
import { payInvoiceCovered } from '../../src/chain/pharmacy/payInvoiceCovered.ts'
import { readInvoice } from '../../src/chain/pharmacy/readInvoice.ts'
import { readPrescriptionCover } from '../../src/chain/pharmacy/readPrescriptionCover.ts'
import { setPrescriptionCover } from '../../src/chain/pharmacy/setPrescriptionCover.ts'
import { buildPrescription } from '../../src/core/fhir/doctorForms.ts'
import { newPrescriptionSalt, prescriptionTypedData, type PrescriptionToken } from '../../src/core/pharmacy/prescription.ts'
import { credentialLeaf } from '../../src/zk/credentialLeaf.ts'
import { identityCommitment } from '../../src/zk/identity.ts'
import { proveInNode } from '../../src/zk/proveInNode.ts'
import { toCircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../../src/zk/toSolidityProof.ts'

const repositoryRoot = path.resolve(import.meta.dirname, '../..')
/** Demo accounts (src/chain/deploy/deploySalus.ts): 2-3 doctors, 7 the insurer, 8-9 patients; 10 becomes a pharmacy council, 11-12 its pharmacists. */
export const rxAccounts = { registrar: 0, doctor: 2, otherDoctor: 3, insurer: 7, patient: 8, otherPatient: 9, council: 10, pharmacist: 11, otherPharmacist: 12, stranger: 13 } as const
export const periodLength = 30 * 86_400
export const validUntil = 4_000_000_000n

export type PharmacyStack = LocalChain & {
  pharmacy: Address
  insurance: Address
  registry: Address
  fromBlock: bigint
  address(index: number): Address
}

export async function startPharmacyStack(): Promise<PharmacyStack> {
  const chain = await startLocalChain()
  try {
    const registry = chain.config.contracts.Registry.address
    await grantRegistryRole(chain.wallet(rxAccounts.registrar), { registry, role: 'pharmacyAuthority', account: anvilAccount(rxAccounts.council).account.address })
    for (const index of [rxAccounts.pharmacist, rxAccounts.otherPharmacist]) {
      await grantRegistryRole(chain.wallet(rxAccounts.council), { registry, role: 'pharmacist', account: anvilAccount(index).account.address })
    }
    return {
      ...chain,
      registry,
      pharmacy: chain.config.contracts.Pharmacy!.address,
      insurance: chain.config.contracts.Insurance!.address,
      fromBlock: BigInt(chain.config.contracts.Pharmacy!.deployBlock),
      address: (index) => anvilAccount(index).account.address,
    }
  } catch (error) {
    await chain.stop()
    throw error
  }
}

export async function chainNow(stack: PharmacyStack): Promise<number> {
  return Number((await stack.publicClient.getBlock()).timestamp)
}

/**
 * A prescription of `medication` written with the doctor's form and signed by account
 * `signerIndex` (the doctor, unless a test forges), valid `days` from the chain's now.
 */
export async function prescribe(
  stack: PharmacyStack,
  p: { doctorIndex?: number; signerIndex?: number; medication?: string; repeats?: number; days?: number; now?: number } = {},
): Promise<PrescriptionToken> {
  const doctor = anvilAccount(p.doctorIndex ?? rxAccounts.doctor).account
  const signer = anvilAccount(p.signerIndex ?? p.doctorIndex ?? rxAccounts.doctor).account
  const repeats = p.repeats ?? 0
  const now = p.now ?? (await chainNow(stack))
  const medicationRequest = buildPrescription({
    author: { account: doctor.address, name: 'Dr. Amara Okafor' },
    visitDate: new Date(now * 1000).toISOString().slice(0, 10),
    medication: p.medication ?? 'Amoxicillin 500 mg capsule',
    dose: { value: 1, unit: 'capsule' },
    route: 'oral',
    frequency: { times: 3, period: 1, periodUnit: 'd' },
    durationDays: 7,
    repeats,
  })
  const terms = { medicationRequest, salt: newPrescriptionSalt(), repeats, notAfter: now + (p.days ?? 30) * 86_400, issuedAt: now, doctor: doctor.address }
  const signature = await signer.signTypedData!(prescriptionTypedData(terms, { chainId: stack.chainId, pharmacy: stack.pharmacy }))
  return { ...terms, signature }
}

/** The insurer's plan covering `amountCovered` per prescription, `perPeriod` a period; the members enrolled (with a stranger before them), the pool funded. */
export async function prescriptionPlan(stack: PharmacyStack, identitySecrets: bigint[], p: { amountCovered?: bigint; perPeriod?: number } = {}): Promise<bigint> {
  const insurer = stack.wallet(rxAccounts.insurer)
  const { planId } = await createPlan(insurer, { insurance: stack.insurance, name: 'Prescriptions plan', feeCovered: parseEther('0.05'), visitsPerPeriod: 2, periodLength })
  await setPrescriptionCover(insurer, { insurance: stack.insurance, planId, amountCovered: p.amountCovered ?? parseEther('0.05'), perPeriod: p.perPeriod ?? 2 })
  await enrolMember(insurer, { insurance: stack.insurance, leaf: 4242n })
  for (const secret of identitySecrets) {
    await enrolMember(insurer, { insurance: stack.insurance, leaf: await credentialLeaf({ identityCommitment: await identityCommitment(secret), planId, validUntil }) })
  }
  await fundPool(insurer, { insurance: stack.insurance, insurer: insurer.account.address, amount: parseEther('1') })
  return planId
}

/**
 * Pays `invoiceId` from the plan's pool as the patient's app would: a fresh one-off
 * account funded by the faucet, the first unspent prescription cover of the period, a
 * real proof bound to that account and invoice.
 */
export async function payCovered(
  stack: PharmacyStack,
  p: { identitySecret: bigint; planId: bigint; invoiceId: bigint; topUp?: bigint },
): Promise<{ txHash: Hash; sender: Address; fundingTxHash: Hash; nullifier: bigint }> {
  const insurer = anvilAccount(rxAccounts.insurer).account.address
  const { walletClient, fundingTxHash } = await fundOneOffAccount(stack.config, { allowance: parseEther('0.01') + (p.topUp ?? 0n), purpose: 'Paying with insurance' })
  const payer = walletClient.account.address
  const [leaves, spent, cover, invoice] = await Promise.all([
    listMemberLeaves(stack.publicClient, { insurance: stack.insurance, insurer }),
    listSpentPrescriptionNullifiers(stack.publicClient, { insurance: stack.insurance, insurer, planId: p.planId }),
    readPrescriptionCover(stack.publicClient, { insurance: stack.insurance, planId: p.planId }),
    readInvoice(stack.publicClient, { pharmacy: stack.pharmacy, invoiceId: p.invoiceId }),
  ])
  const leaf = await credentialLeaf({ identityCommitment: await identityCommitment(p.identitySecret), planId: p.planId, validUntil })
  const { input, root, depth, nullifier } = await invoiceCoverInput({
    identitySecret: p.identitySecret,
    credential: { plan: { planId: p.planId, periodLength }, leaf, validUntil },
    cover,
    leaves,
    invoice,
    spent,
    chainId: stack.chainId,
    pharmacy: stack.pharmacy,
    insurance: stack.insurance,
    payer,
  })
  const { proof } = await proveInNode({ circuit: 'eligibility', depth, input: toCircuitInput(input), artifactsDir: path.join(repositoryRoot, 'public/zk') })
  const { txHash } = await payInvoiceCovered(walletClient, { pharmacy: stack.pharmacy, invoiceId: p.invoiceId, planId: p.planId, root, depth, nullifier, proof: toSolidityProof(proof), topUp: p.topUp ?? 0n })
  return { txHash, sender: payer, fundingTxHash, nullifier }
}
