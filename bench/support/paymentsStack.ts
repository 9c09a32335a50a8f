// The payments stack of the gas benchmarks: a seeded local chain (src/chain/deploy/startLocalChain.ts,
// Insurance and Appointments as the deployment makes them) and a real eligibility proof
// made as the patient's app makes it. Benchmarks import src/ and bench/support only.
import path from 'node:path'
import type { Address, Hex } from 'viem'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { startLocalChain, type LocalChain } from '../../src/chain/deploy/startLocalChain.ts'
import { listMemberLeaves } from '../../src/chain/insurance/listMemberLeaves.ts'
import { credentialLeaf } from '../../src/zk/credentialLeaf.ts'
import { identityCommitment } from '../../src/zk/identity.ts'
import { proveInNode } from '../../src/zk/proveInNode.ts'
import { coverInput } from '../../src/flows/appointments/coverInput.ts'
import { toCircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../../src/zk/toSolidityProof.ts'

const repositoryRoot = path.resolve(import.meta.dirname, '../..')
/** Demo accounts of src/chain/deploy/deploySalus.ts: 2 is a doctor, 5 a relayer, 7 the insurer, 8-9 patients. */
export const stackAccounts = { deployer: 0, doctor: 2, relayer: 5, insurer: 7, patient: 8, otherPatient: 9 } as const

export type PaymentsStack = LocalChain & { insurance: Address; appointments: Address }

export async function startPaymentsStack(): Promise<PaymentsStack> {
  const chain = await startLocalChain()
  return { ...chain, insurance: chain.config.contracts.Insurance!.address, appointments: chain.config.contracts.Appointments!.address }
}

/** A real eligibility proof for booking `slotId` from the account `payer`. */
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

export async function gasOf(stack: LocalChain, txHash: Hex): Promise<number> {
  return Number((await stack.publicClient.getTransactionReceipt({ hash: txHash })).gasUsed)
}
