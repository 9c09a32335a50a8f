import { formatEther, type Hash } from 'viem'
import { readContract } from 'viem/actions'
import { bookCovered } from '../../chain/appointments/bookCovered.ts'
import type { SlotView } from '../../chain/appointments/slotView.ts'
import { Insurance } from '../../chain/generated/Insurance.ts'
import { nullifierDomain } from '../../chain/appointments/nullifierDomain.ts'
import { listMemberLeaves } from '../../chain/insurance/listMemberLeaves.ts'
import { proveInWorker, type ProverWorker } from '../../zk/proveInWorker.ts'
import { toCircuitInput, type ProofProgress } from '../../zk/proveWithArtifacts.ts'
import { eligibilitySignals } from '../../zk/publicSignals.ts'
import { toSolidityProof } from '../../zk/toSolidityProof.ts'
import { ProofInputError } from '../../zk/zkErrors.ts'
import { coverInput, firstUnusedVisit } from './coverInput.ts'
import { listSpentNullifiers } from '../../chain/insurance/listSpentNullifiers.ts'
import type { CoveredBookingKey } from './coveredBookingKeys.ts'
import type { MemberCredential } from './findCredentials.ts'
import { oneOffSender } from './oneOffSender.ts'
import type { CoveredBookingContext } from './coveredBookingContext.ts'
import { coversSlot } from '../../core/insurance/coversSlot.ts'
import { ContractRefusedError } from '../../chain/chainErrors.ts'
import { insuranceRevertSentences } from '../../chain/insurance/insuranceRevertSentences.ts'

export type BookWithInsuranceParameters = {
  context: CoveredBookingContext
  identitySecret: bigint
  credential: MemberCredential
  slot: SlotView
  worker: ProverWorker
  /** Each step in words, with a percentage when one is known. */
  onStep: (text: string, percent?: number) => void
  /** Called with the one-off key before the booking is sent, and again with its transaction: keep it to cancel later. */
  remember: (key: CoveredBookingKey) => void
}

const formatEth = (wei: bigint) => `${formatEther(wei)} ETH`

/**
 * Books `slot` paid from the insurer's pool: checks the plan's limits first (so the
 * patient hears why before any proof), makes a fresh one-off account that links to no
 * one, proves membership in the worker for a booking sent by that account (the proof
 * names it, so a copy taken from the mempool fails from any other), then sends it.
 */
export async function bookWithInsurance(p: BookWithInsuranceParameters): Promise<{ txHash: Hash }> {
  const { context, credential, slot, onStep, identitySecret } = p
  const { publicClient, insurance, appointments, chainId } = context
  const { plan } = credential
  if (!coversSlot(credential, slot)) {
    const day = (seconds: number | bigint) => new Date(Number(seconds) * 1000).toISOString().slice(0, 10)
    throw new ProofInputError(
      `Your plan covers up to ${formatEth(plan.feeCovered)} per visit until ${day(credential.validUntil)}; this slot costs ${formatEth(slot.fee)} on ${day(slot.start)}. Choose a slot within your cover, or pay yourself.`,
    )
  }
  onStep('Checking which covered visits of this period you have left')
  // The plan's spent nullifiers in one log query: the RPC learns nothing of which are ours.
  const spent = await listSpentNullifiers(publicClient, { insurance, insurer: plan.insurer, planId: plan.planId, fromBlock: context.fromBlock })
  const isNullifierUsed = async (nullifier: bigint) => spent.has(nullifier)
  const domain = nullifierDomain({ chainId, insurance })
  const visit = await firstUnusedVisit({ identitySecret, domain, plan, visitStart: slot.start, isNullifierUsed })
  if (!visit) {
    throw new ProofInputError(
      `You have used all ${plan.visitsPerPeriod} covered visit${plan.visitsPerPeriod === 1 ? '' : 's'} of “${plan.name}” in this period. Book a slot in the next period, or pay the fee yourself.`,
    )
  }
  // A pool too small would otherwise only show after the proof, as a revert.
  const pool = await readContract(publicClient, { address: insurance, abi: Insurance.abi, functionName: 'poolOf', args: [plan.insurer] })
  const needed = slot.fee < plan.feeCovered ? slot.fee : plan.feeCovered
  if (pool < needed) {
    throw new ContractRefusedError('Insurance__InsufficientPool', [pool, needed], {
      shortMessage: `${insuranceRevertSentences.Insurance__InsufficientPool} Ask your insurer, or pay the fee yourself.`,
    })
  }
  onStep('Reading your insurer’s member list')
  const leaves = await listMemberLeaves(publicClient, { insurance, insurer: plan.insurer, fromBlock: context.fromBlock })
  onStep('Funding a one-off account to send the booking')
  const sender = await oneOffSender(context)
  const payer = sender.walletClient.account.address
  const key: CoveredBookingKey = { slotId: slot.slotId, privateKey: sender.privateKey, address: payer }
  p.remember(key)
  const { input, root, depth } = await coverInput({ identitySecret, credential, leaves, slot, k: visit.k, chainId, appointments, insurance, payer })
  const result = await proveInWorker(p.worker, { circuit: 'eligibility', depth, input: toCircuitInput(input), onProgress: (progress) => onStep(...proofStep(progress)) })
  const signals = eligibilitySignals(result.publicSignals)
  onStep('Sending the booking')
  const { txHash } = await bookCovered(sender.walletClient, { appointments, slotId: slot.slotId, planId: plan.planId, root, depth, nullifier: signals.nullifier, proof: toSolidityProof(result.proof) })
  p.remember({ ...key, txHash })
  return { txHash }
}

/** The prover's progress in words, with a percentage while the artifacts download. */
export function proofStep(progress: ProofProgress): [string, number | undefined] {
  switch (progress.stage) {
    case 'loading artifacts': {
      const { loadedBytes, totalBytes } = progress
      return ['Loading the proof files', totalBytes ? Math.min(99, Math.round((loadedBytes / totalBytes) * 100)) : undefined]
    }
    case 'witness':
      return ['Computing the proof’s inputs (your credential never leaves this device)', undefined]
    case 'proving':
      return ['Making the zero-knowledge proof', undefined]
    case 'done':
      return [`Proof made in ${(progress.milliseconds / 1000).toFixed(1)} s`, 100]
  }
}
