// The payments stack of the integration and attack tests: a seeded local chain
// (src/chain/deploy/startLocalChain.ts) with the real eligibility verifier, Insurance and
// Appointments, and real eligibility proofs made as the patient's app makes them.
import path from 'node:path'
import { createPublicClient, createTestClient, type Address } from 'viem'
import { foundry } from 'viem/chains'
import { deployContract, waitForTransactionReceipt } from 'viem/actions'
import { EligibilityVerifier } from '../../src/chain/generated/EligibilityVerifier.ts'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { startLocalChain } from '../../src/chain/deploy/startLocalChain.ts'
import { deployPayments } from '../../src/chain/insurance/deployPayments.ts'
import type { PaymentsWalletClient } from '../../src/chain/appointments/paymentsClients.ts'
import { listMemberLeaves } from '../../src/chain/insurance/listMemberLeaves.ts'
import { credentialLeaf } from '../../src/zk/credentialLeaf.ts'
import { identityCommitment } from '../../src/zk/identity.ts'
import { proveInNode } from '../../src/zk/proveInNode.ts'
import { coverInput } from '../../src/flows/appointments/coverInput.ts'
import { toCircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../../src/zk/toSolidityProof.ts'

const repositoryRoot = path.resolve(import.meta.dirname, '../..')
/** Demo accounts of src/chain/deploy/deploySalus.ts: 2 is a doctor, 7 the insurer, 8-9 patients. */
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

/** A seeded local chain (src/chain/deploy/startLocalChain.ts), plus its own eligibility verifier, Insurance and Appointments. */
export async function startPaymentsStack(): Promise<PaymentsStack> {
  const chain = await startLocalChain()
  try {
    const deployer = chain.wallet(stackAccounts.deployer)
    const verifierTx = await deployContract(deployer, { ...EligibilityVerifier, account: deployer.account, chain: foundry })
    const verifier = (await waitForTransactionReceipt(deployer, { hash: verifierTx })).contractAddress!
    const registry = chain.config.contracts.Registry.address
    const payments = await deployPayments(deployer, { registry, eligibilityVerifier: verifier })
    return {
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      registry,
      verifier,
      insurance: payments.insurance.address,
      appointments: payments.appointments.address,
      publicClient: chain.publicClient,
      testClient: chain.testClient,
      wallet: chain.wallet,
      stop: chain.stop,
    }
  } catch (error) {
    await chain.stop()
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
  // The input exactly as the patient's app builds it (src/flows/appointments/coverInput.ts).
  const { input, root, depth } = await coverInput({
    identitySecret: p.identitySecret,
    credential: { plan: { planId: p.planId, periodLength: p.periodLength, visitsPerPeriod: p.visitsPerPeriod }, validUntil: p.validUntil, leaf },
    leaves,
    slot: { slotId: p.slotId, doctor: p.doctor, start: p.start },
    k: p.k,
    chainId: stack.chainId,
    appointments: stack.appointments,
    insurance: stack.insurance,
    payer: p.payer,
  })
  const { proof, publicSignals } = await proveInNode({ circuit: 'eligibility', depth, input: toCircuitInput(input), artifactsDir: path.join(repositoryRoot, 'public/zk') })
  return { planId: p.planId, root, depth, nullifier: BigInt(publicSignals[0]!), proof: toSolidityProof(proof) }
}

export { releaseProverThreads } from '../../src/zk/proveInNode.ts'
