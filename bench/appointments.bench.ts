// Gas of booking and enrolment on a real anvil: appointments.book_selfpay_gas,
// insurance.enrol_gas (1,000 members already enrolled),
// insurance.enrol_many_gas_per_member.batch32 (one enrolMany of 32 into the same
// 1,000-member tree: the whole transaction's gas ÷ 32) and
// eligibility.book_covered_gas (a real Groth16 proof through the generated verifier).
// Also exports startPaymentsStack(), the same local stack test/integration/appointments.test.ts uses.
import type { ChildProcess } from 'node:child_process'
import path from 'node:path'
import { createPublicClient, createTestClient, createWalletClient, hexToBigInt, http, keccak256, toHex, type Address, type Hex } from 'viem'
import { foundry } from 'viem/chains'
import { deployContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { EligibilityVerifier } from '../src/chain/generated/EligibilityVerifier.ts'
import { Insurance } from '../src/chain/generated/Insurance.ts'
import { anvilAccount, deploySalus } from '../scripts/deploy.ts'
import { deployPayments } from '../src/chain/insurance/deployPayments.ts'
import { publishSlot } from '../src/chain/appointments/publishSlot.ts'
import { bookSlot } from '../src/chain/appointments/bookSlot.ts'
import { bookCovered } from '../src/chain/appointments/bookCovered.ts'
import { bookingHash } from '../src/chain/appointments/bookingHash.ts'
import { nullifierDomain } from '../src/chain/appointments/nullifierDomain.ts'
import { createPlan } from '../src/chain/insurance/createPlan.ts'
import { enrolMember } from '../src/chain/insurance/enrolMember.ts'
import { enrolMembers } from '../src/chain/insurance/enrolMembers.ts'
import { fundPool } from '../src/chain/insurance/fundPool.ts'
import { listMemberLeaves } from '../src/chain/insurance/listMemberLeaves.ts'
import { credentialLeaf } from '../src/zk/credentialLeaf.ts'
import { eligibilityInputs } from '../src/zk/eligibilityInputs.ts'
import { snarkScalarField } from '../src/zk/field.ts'
import { identityCommitment } from '../src/zk/identity.ts'
import { memberTree } from '../src/zk/memberTree.ts'
import { proveInNode } from '../src/zk/proveInNode.ts'
import { toCircuitInput } from '../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../src/zk/toSolidityProof.ts'
import { freePort } from '../test/support/freePort.ts'
import { spawnDevTool } from '../scripts/support/devTools.ts'
import type { PaymentsWalletClient } from '../src/chain/appointments/paymentsClients.ts'

const root = path.resolve(import.meta.dirname, '..')
/** anvil mines at once: poll receipts often (viem's default for an unknown block time is 4 s). */
const pollingInterval = 250

/** Demo accounts of scripts/deploy.ts: 2 is a doctor, 7 the insurer, 8-9 patients. */
export const stackAccounts = { deployer: 0, doctor: 2, relayer: 5, insurer: 7, patient: 8, otherPatient: 9 } as const

export type PaymentsStack = {
  rpcUrl: string
  chainId: number
  registry: Address
  verifier: Address
  insurance: Address
  appointments: Address
  publicClient: ReturnType<typeof createPublicClient>
  testClient: ReturnType<typeof createTestClient>
  wallet(index: number): PaymentsWalletClient
  /** Kills anvil once viem's last receipt polls (every 250 ms here) have had time to finish. */
  stop(): Promise<void>
}

/** anvil on a free port, Registry seeded by scripts/deploy.ts, the real verifier, Insurance and Appointments. */
export async function startPaymentsStack(): Promise<PaymentsStack> {
  const port = await freePort()
  const launched = spawnDevTool('anvil', ['--port', String(port), '--silent'], { stdio: 'ignore' })
  const anvil: ChildProcess = launched.child
  await launched.started
  const rpcUrl = `http://127.0.0.1:${port}`
  const transport = http(rpcUrl, { retryCount: 0 })
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval })
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await publicClient.getChainId()
        break
      } catch (error) {
        if (attempt > 100) throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    const wallet = (index: number) => createWalletClient({ account: anvilAccount(index).account, chain: foundry, transport, pollingInterval })
    const config = await deploySalus({ rpcUrl, privateKey: anvilAccount(stackAccounts.deployer).privateKey, seed: true })
    const deployer = wallet(stackAccounts.deployer)
    const verifierTx = await deployContract(deployer, { ...EligibilityVerifier, account: deployer.account, chain: foundry })
    const verifier = (await waitForTransactionReceipt(deployer, { hash: verifierTx })).contractAddress!
    const registry = config.contracts.Registry.address
    const payments = await deployPayments(deployer, { registry, eligibilityVerifier: verifier })
    return {
      rpcUrl,
      chainId: foundry.id,
      registry,
      verifier,
      insurance: payments.insurance.address,
      appointments: payments.appointments.address,
      publicClient,
      testClient: createTestClient({ chain: foundry, mode: 'anvil', transport }),
      wallet,
      // Killed at once, a poll viem still had scheduled after a receipt arrived failed
      // outside any promise (ECONNRESET) and crashed the bench run now and then.
      stop: async () => {
        await new Promise((resolve) => setTimeout(resolve, 3 * pollingInterval))
        anvil.kill()
      },
    }
  } catch (error) {
    anvil.kill()
    throw error
  }
}

/** A real eligibility proof for booking `slotId` from the account `payer`, as the patient's app makes it. */
export async function proveCover(
  stack: PaymentsStack,
  p: { identitySecret: bigint; planId: bigint; validUntil: bigint; slotId: bigint; doctor: Address; start: number; periodLength: number; visitsPerPeriod: number; k: number; payer: Address },
) {
  const leaves = await listMemberLeaves(stack.publicClient, { insurance: stack.insurance, insurer: anvilAccount(stackAccounts.insurer).account.address })
  const leaf = await credentialLeaf({ identityCommitment: await identityCommitment(p.identitySecret), planId: p.planId, validUntil: p.validUntil })
  const tree = await memberTree(leaves)
  const input = eligibilityInputs({
    identitySecret: p.identitySecret,
    planId: p.planId,
    validUntil: p.validUntil,
    merkleProof: tree.generateProof(tree.indexOf(leaf)),
    visitDate: p.start,
    period: Math.floor(p.start / p.periodLength),
    visitsPerPeriod: p.visitsPerPeriod,
    k: p.k,
    bookingHash: bookingHash({ slotId: p.slotId, doctor: p.doctor, appointments: stack.appointments, chainId: stack.chainId, payer: p.payer }),
    domain: nullifierDomain({ chainId: stack.chainId, insurance: stack.insurance }),
  })
  const { proof, publicSignals } = await proveInNode({ circuit: 'eligibility', input: toCircuitInput(input), artifactsDir: path.join(root, 'public/zk') })
  return { planId: p.planId, root: tree.root, nullifier: BigInt(publicSignals[0]!), proof: toSolidityProof(proof) }
}

/** snarkjs keeps its bn128 worker threads alive, which would keep this process from exiting. */
export async function releaseProverThreads(): Promise<void> {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128?.terminate()
}

async function gasOf(stack: PaymentsStack, txHash: Hex): Promise<number> {
  return Number((await stack.publicClient.getTransactionReceipt({ hash: txHash })).gasUsed)
}

async function now(stack: PaymentsStack): Promise<number> {
  return Number((await stack.publicClient.getBlock()).timestamp)
}

/** 1,000 members enrolled one by one, sent without waiting one by one (anvil mines each at once). */
async function enrolThousandMembers(stack: PaymentsStack): Promise<void> {
  const insurer = stack.wallet(stackAccounts.insurer)
  const nonce = await stack.publicClient.getTransactionCount({ address: insurer.account.address })
  const hashes: Hex[] = []
  for (let i = 0; i < 1000; i++) {
    hashes.push(
      await writeContract(insurer, {
        address: stack.insurance,
        abi: Insurance.abi,
        chain: insurer.chain,
        account: insurer.account,
        functionName: 'enrol',
        args: [BigInt(1_000_000 + i)],
        nonce: nonce + i,
        gas: 300_000n,
      }),
    )
  }
  const last = await stack.publicClient.waitForTransactionReceipt({ hash: hashes.at(-1)! })
  if (last.status !== 'success') throw new Error('enrolling the first 1,000 members failed')
}

export default [
  {
    name: 'appointments.book_selfpay_gas',
    unit: 'gas',
    better: 'lower',
    target: 120_000,
    run: async () => {
      const stack = await startPaymentsStack()
      try {
        const doctor = stack.wallet(stackAccounts.doctor)
        const fee = 50_000_000_000_000_000n
        const start = (await now(stack)) + 3 * 86_400
        // A second slot so the measured booking is not the contract's first write ever.
        await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })
        await bookSlot(stack.wallet(stackAccounts.otherPatient), { appointments: stack.appointments, slotId: 1n, fee })
        const { slotId } = await publishSlot(doctor, { appointments: stack.appointments, start: start + 3600, duration: 1800, fee })
        const { txHash } = await bookSlot(stack.wallet(stackAccounts.patient), { appointments: stack.appointments, slotId, fee })
        return gasOf(stack, txHash)
      } finally {
        await stack.stop()
      }
    },
  },
  {
    name: 'insurance.enrol_gas',
    unit: 'gas',
    better: 'lower',
    target: 150_000,
    run: async () => {
      const stack = await startPaymentsStack()
      try {
        const insurer = stack.wallet(stackAccounts.insurer)
        await enrolThousandMembers(stack)
        const { txHash, index } = await enrolMember(insurer, { insurance: stack.insurance, leaf: 2_000_000n })
        if (index !== 1000n) throw new Error(`expected member 1000, got ${index}`)
        return gasOf(stack, txHash)
      } finally {
        await stack.stop()
      }
    },
  },
  {
    name: 'insurance.enrol_many_gas_per_member.batch32',
    unit: 'gas',
    better: 'lower',
    run: async () => {
      const stack = await startPaymentsStack()
      try {
        const insurer = stack.wallet(stackAccounts.insurer)
        // The same starting tree as insurance.enrol_gas, then 32 members in one transaction
        // (its full gas: the 21,000 base, calldata, the hashing, the event).
        await enrolThousandMembers(stack)
        // Leaves as long as real ones (Poseidon outputs fill 32 bytes): calldata is priced per non-zero byte.
        const leaves = Array.from({ length: 32 }, (_, i) => hexToBigInt(keccak256(toHex(`member ${i}`))) % snarkScalarField)
        const { txHash, firstIndex } = await enrolMembers(insurer, { insurance: stack.insurance, leaves })
        if (firstIndex !== 1000n) throw new Error(`expected the batch at member 1000, got ${firstIndex}`)
        return (await gasOf(stack, txHash)) / leaves.length
      } finally {
        await stack.stop()
      }
    },
  },
  {
    name: 'eligibility.book_covered_gas',
    unit: 'gas',
    better: 'lower',
    target: 400_000,
    run: async () => {
      const stack = await startPaymentsStack()
      try {
        const insurer = stack.wallet(stackAccounts.insurer)
        const doctor = stack.wallet(stackAccounts.doctor)
        const identitySecret = 0x5eed5n
        const validUntil = 4_000_000_000n
        const periodLength = 30 * 86_400
        const { planId } = await createPlan(insurer, { insurance: stack.insurance, name: 'Bench plan', feeCovered: 10n ** 17n, visitsPerPeriod: 4, periodLength })
        for (const leaf of [11n, 12n, 13n]) await enrolMember(insurer, { insurance: stack.insurance, leaf })
        const leaf = await credentialLeaf({ identityCommitment: await identityCommitment(identitySecret), planId, validUntil })
        await enrolMember(insurer, { insurance: stack.insurance, leaf })
        await fundPool(insurer, { insurance: stack.insurance, insurer: insurer.account.address, amount: 10n ** 18n })
        const start = (await now(stack)) + 3 * 86_400
        const fee = 5n * 10n ** 16n
        const { slotId } = await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })
        const relayer = stack.wallet(stackAccounts.relayer)
        const cover = await proveCover(stack, { identitySecret, planId, validUntil, slotId, doctor: doctor.account.address, start, periodLength, visitsPerPeriod: 4, k: 0, payer: relayer.account.address })
        const { txHash } = await bookCovered(relayer, { appointments: stack.appointments, slotId, ...cover })
        return gasOf(stack, txHash)
      } finally {
        await releaseProverThreads()
        await stack.stop()
      }
    },
  },
]
