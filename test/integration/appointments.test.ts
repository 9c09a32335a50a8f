// Appointments and Insurance on a real anvil, with the real eligibility verifier and
// real Groth16 proofs made by the circuit (no test doubles).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { decodeFunctionData, type Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { bookCovered } from '../../src/chain/appointments/bookCovered.ts'
import { bookingHash } from '../../src/chain/appointments/bookingHash.ts'
import { nullifierDomain } from '../../src/chain/appointments/nullifierDomain.ts'
import { bookSlot } from '../../src/chain/appointments/bookSlot.ts'
import { listSlots } from '../../src/chain/appointments/listSlots.ts'
import { manageBooking } from '../../src/chain/appointments/manageBooking.ts'
import { publishSlot } from '../../src/chain/appointments/publishSlot.ts'
import { readSlot } from '../../src/chain/appointments/readSlot.ts'
import { readWithdrawable } from '../../src/chain/appointments/readWithdrawable.ts'
import { withdrawPayments } from '../../src/chain/appointments/withdrawPayments.ts'
import { Appointments } from '../../src/chain/generated/Appointments.ts'
import { EligibilityVerifier } from '../../src/chain/generated/EligibilityVerifier.ts'
import { Insurance } from '../../src/chain/generated/Insurance.ts'
import { createPlan } from '../../src/chain/insurance/createPlan.ts'
import { enrolMember } from '../../src/chain/insurance/enrolMember.ts'
import { enrolMembers, maxEnrolBatch } from '../../src/chain/insurance/enrolMembers.ts'
import { fundPool } from '../../src/chain/insurance/fundPool.ts'
import { listMemberLeaves } from '../../src/chain/insurance/listMemberLeaves.ts'
import { readPool } from '../../src/chain/insurance/readPool.ts'
import { withdrawUnreserved } from '../../src/chain/insurance/withdrawUnreserved.ts'
import { eligibilityDepth } from '../../src/zk/circuits.ts'
import { credentialLeaf } from '../../src/zk/credentialLeaf.ts'
import { identityCommitment } from '../../src/zk/identity.ts'
import { memberTree } from '../../src/zk/memberTree.ts'
import { ProofInputError } from '../../src/zk/zkErrors.ts'
import { identityCardText } from '../../src/ui/state/appointments/identityCard.ts'
import { parseEnrolList } from '../../src/ui/state/appointments/InsurerDeskEnrolList.ts'
import { InsurerDesk } from '../../src/ui/state/appointments/InsurerDesk.svelte.ts'
import { monthInput } from '../../src/core/insurance/credentialMonths.ts'
import type { PaymentContext } from '../../src/ui/state/appointments/paymentContext.ts'
import { AppointmentInputError } from '../../src/ui/state/appointments/appointmentInputError.ts'
import { toSolidityProof } from '../../src/zk/toSolidityProof.ts'
import { ChainInputError, ContractRefusedError } from '../../src/chain/chainErrors.ts'
import {
  proveCover,
  releaseProverThreads,
  stackAccounts,
  startPaymentsStack,
  type PaymentsStack,
} from '../support/paymentsStack.ts'

const day = 86_400
const fee = 50_000_000_000_000_000n // 0.05 ETH
let stack: PaymentsStack
const address = (index: number): Address => anvilAccount(index).account.address

async function chainNow(): Promise<number> {
  return Number((await stack.publicClient.getBlock()).timestamp)
}

async function travel(seconds: number): Promise<void> {
  await stack.testClient.increaseTime({ seconds })
  await stack.testClient.mine({ blocks: 1 })
}

async function refusal(promise: Promise<unknown>): Promise<ContractRefusedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ContractRefusedError)
  return error as ContractRefusedError
}

beforeAll(async () => {
  stack = await startPaymentsStack()
}, 120_000)

afterAll(async () => {
  await releaseProverThreads()
  await stack?.stop()
})

describe('self-paid appointments', () => {
  it('a doctor publishes, a patient pays the exact fee, the doctor completes and withdraws', async () => {
    const doctor = stack.wallet(stackAccounts.doctor)
    const patient = stack.wallet(stackAccounts.patient)
    const start = (await chainNow()) + 3 * day
    const { slotId } = await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })

    const open = await listSlots(stack.publicClient, { appointments: stack.appointments, doctor: doctor.account.address, statuses: ['open'] })
    expect(open.map((s) => s.slotId)).toContain(slotId)
    expect(open.find((s) => s.slotId === slotId)).toMatchObject({ fee, start, duration: 1800, payer: undefined })

    for (const wrong of [fee - 1n, fee + 1n]) {
      const error = await refusal(bookSlot(patient, { appointments: stack.appointments, slotId, fee: wrong }))
      expect(error.errorName).toBe('Appointments__WrongFee')
      expect(error.shortMessage).toMatch(/does not match the fee exactly/)
    }
    const patientBefore = await stack.publicClient.getBalance({ address: patient.account.address })
    const booked = await bookSlot(patient, { appointments: stack.appointments, slotId, fee })
    const bookingReceipt = await stack.publicClient.getTransactionReceipt({ hash: booked.txHash })
    const patientAfter = await stack.publicClient.getBalance({ address: patient.account.address })
    expect(patientBefore - patientAfter).toBe(fee + bookingReceipt.gasUsed * bookingReceipt.effectiveGasPrice)
    expect((await refusal(bookSlot(stack.wallet(stackAccounts.otherPatient), { appointments: stack.appointments, slotId, fee }))).errorName).toBe(
      'Appointments__SlotNotOpen',
    )

    await manageBooking(doctor, { appointments: stack.appointments, slotId, action: 'confirm' })
    expect((await refusal(manageBooking(patient, { appointments: stack.appointments, slotId, action: 'confirmAttendance' }))).errorName).toBe(
      'Appointments__TooEarly',
    )
    await travel(3 * day)
    expect((await refusal(manageBooking(doctor, { appointments: stack.appointments, slotId, action: 'complete' }))).errorName).toBe(
      'Appointments__WrongStatus',
    )
    await manageBooking(patient, { appointments: stack.appointments, slotId, action: 'confirmAttendance' })
    await manageBooking(doctor, { appointments: stack.appointments, slotId, action: 'complete' })
    expect((await readSlot(stack.publicClient, { appointments: stack.appointments, slotId })).status).toBe('completed')
    expect(await readWithdrawable(stack.publicClient, { appointments: stack.appointments, account: doctor.account.address })).toBe(fee)

    const doctorBefore = await stack.publicClient.getBalance({ address: doctor.account.address })
    const { amount, txHash } = await withdrawPayments(doctor, { appointments: stack.appointments })
    const receipt = await stack.publicClient.getTransactionReceipt({ hash: txHash })
    const doctorAfter = await stack.publicClient.getBalance({ address: doctor.account.address })
    expect(amount).toBe(fee)
    expect(doctorAfter - doctorBefore).toBe(fee - receipt.gasUsed * receipt.effectiveGasPrice)
    expect((await refusal(withdrawPayments(doctor, { appointments: stack.appointments }))).errorName).toBe('Appointments__NothingToWithdraw')
  })

  it('a patient cancelling a day ahead gets everything back; later is refused with the rule', async () => {
    const doctor = stack.wallet(stackAccounts.doctor)
    const patient = stack.wallet(stackAccounts.otherPatient)
    const start = (await chainNow()) + 3 * day
    const early = await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })
    const late = await publishSlot(doctor, { appointments: stack.appointments, start: start - 3 * day + 12 * 3600, duration: 1800, fee })
    await bookSlot(patient, { appointments: stack.appointments, slotId: early.slotId, fee })
    await bookSlot(patient, { appointments: stack.appointments, slotId: late.slotId, fee })
    await manageBooking(patient, { appointments: stack.appointments, slotId: early.slotId, action: 'cancelByPatient' })
    const error = await refusal(manageBooking(patient, { appointments: stack.appointments, slotId: late.slotId, action: 'cancelByPatient' }))
    expect(error.errorName).toBe('Appointments__TooLateToCancel')
    expect(error.shortMessage).toMatch(/24 hours/)
    expect(await readWithdrawable(stack.publicClient, { appointments: stack.appointments, account: patient.account.address })).toBe(fee)
    const { amount } = await withdrawPayments(patient, { appointments: stack.appointments })
    expect(amount).toBe(fee)
  })
})

describe('insurance', () => {
  const identitySecret = 0xa11ce5ec2e7n
  const validUntil = 4_000_000_000n
  const periodLength = 30 * day
  let planId: bigint

  beforeAll(async () => {
    const insurer = stack.wallet(stackAccounts.insurer)
    ;({ planId } = await createPlan(insurer, { insurance: stack.insurance, name: 'Meridian Basic', feeCovered: fee, visitsPerPeriod: 1, periodLength }))
    for (const leaf of [101n, 102n, 103n]) await enrolMember(insurer, { insurance: stack.insurance, leaf })
    const leaf = await credentialLeaf({ identityCommitment: await identityCommitment(identitySecret), planId, validUntil })
    await enrolMember(insurer, { insurance: stack.insurance, leaf })
    await enrolMember(insurer, { insurance: stack.insurance, leaf: 105n })
    await fundPool(insurer, { insurance: stack.insurance, insurer: insurer.account.address, amount: 10n ** 18n })
  }, 60_000)

  it('builds the same member tree as @zk-kit/lean-imt in TypeScript', async () => {
    const insurer = address(stackAccounts.insurer)
    const leaves = await listMemberLeaves(stack.publicClient, { insurance: stack.insurance, insurer })
    expect(leaves).toHaveLength(5)
    const pool = await readPool(stack.publicClient, { insurance: stack.insurance, appointments: stack.appointments, insurer })
    expect(pool.root).toBe((await memberTree(leaves)).root)
    expect(pool.members).toBe(5n)
  })

  it('binds proofs to the same booking hash and nullifier domain in TypeScript and Solidity', async () => {
    const doctor = address(stackAccounts.doctor)
    const payer = address(stackAccounts.relayer)
    const onChain = await stack.publicClient.readContract({
      address: stack.insurance,
      abi: Insurance.abi,
      functionName: 'bookingHash',
      args: [7n, doctor, stack.appointments, payer],
    })
    expect(bookingHash({ slotId: 7n, doctor, appointments: stack.appointments, chainId: stack.chainId, payer })).toBe(onChain)
    expect(bookingHash({ slotId: 7n, doctor, appointments: stack.appointments, chainId: stack.chainId, payer: doctor })).not.toBe(onChain)
    const domain = await stack.publicClient.readContract({ address: stack.insurance, abi: Insurance.abi, functionName: 'nullifierDomain' })
    expect(nullifierDomain({ chainId: stack.chainId, insurance: stack.insurance })).toBe(domain)
  })

  it('the generated verifier accepts the committed proof fixture at its depth only and rejects a changed signal', async () => {
    const fixture = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/zk/eligibility.proof.json'), 'utf8'))
    const proof = toSolidityProof(fixture.proof)
    const signals = (fixture.publicSignals as string[]).map(BigInt)
    const verify = (pub: bigint[], depth = BigInt(fixture.depth)) =>
      stack.publicClient.readContract({
        address: stack.verifier,
        abi: EligibilityVerifier.abi,
        functionName: 'verifyProof',
        args: [proof.a, proof.b, proof.c, pub as unknown as readonly [bigint, bigint, bigint, bigint, bigint], depth],
      })
    expect(await verify(signals)).toBe(true)
    for (const i of [0, 1, 2, 3, 4]) expect(await verify(signals.map((s, j) => (j === i ? s + 1n : s))), `signal ${i}`).toBe(false)
    // Another depth's key refuses it.
    expect(await verify(signals, BigInt(fixture.depth) + 1n)).toBe(false)
    expect(await verify(signals, BigInt(fixture.depth) - 1n)).toBe(false)
  })

  it('a member books covered from any account; the pool pays; one visit more than the plan allows is refused', async () => {
    const doctor = stack.wallet(stackAccounts.doctor)
    const insurer = address(stackAccounts.insurer)
    const start = (await chainNow()) + 4 * day
    const first = await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })
    const second = await publishSlot(doctor, { appointments: stack.appointments, start: start + 3600, duration: 1800, fee })
    const prove = (slotId: bigint, slotStart: number, k: number, payer = address(stackAccounts.relayer)) =>
      proveCover(stack, { identitySecret, planId, validUntil, slotId, doctor: doctor.account.address, start: slotStart, periodLength, visitsPerPeriod: 1, k, payer })

    const poolBefore = await readPool(stack.publicClient, { insurance: stack.insurance, appointments: stack.appointments, insurer })
    const cover = await prove(first.slotId, start, 0)

    // A proof for one slot does not book another.
    const misused = await refusal(bookCovered(stack.wallet(stackAccounts.relayer), { appointments: stack.appointments, slotId: second.slotId, ...cover }))
    expect(misused.errorName).toBe('Insurance__InvalidProof')

    const relayer = stack.wallet(stackAccounts.relayer)
    const relayerBefore = await stack.publicClient.getBalance({ address: relayer.account.address })
    const booked = await bookCovered(relayer, { appointments: stack.appointments, slotId: first.slotId, ...cover })
    const receipt = await stack.publicClient.getTransactionReceipt({ hash: booked.txHash })
    expect(relayerBefore - (await stack.publicClient.getBalance({ address: relayer.account.address }))).toBe(receipt.gasUsed * receipt.effectiveGasPrice)
    const slot = await readSlot(stack.publicClient, { appointments: stack.appointments, slotId: first.slotId })
    expect(slot).toMatchObject({ status: 'booked', covered: fee, insurer })
    const poolAfter = await readPool(stack.publicClient, { insurance: stack.insurance, appointments: stack.appointments, insurer })
    expect(poolAfter.unreserved).toBe(poolBefore.unreserved - fee)
    expect(poolAfter.reserved).toBe(poolBefore.reserved + fee)

    // The plan allows one visit per period: k = 1 cannot be proven, and k = 0 again is spent.
    await expect(prove(second.slotId, start + 3600, 1)).rejects.toBeInstanceOf(ProofInputError)
    const again = await prove(second.slotId, start + 3600, 0, address(stackAccounts.otherPatient))
    const spent = await refusal(bookCovered(stack.wallet(stackAccounts.otherPatient), { appointments: stack.appointments, slotId: second.slotId, ...again }))
    expect(spent.errorName).toBe('Insurance__NullifierUsed')
    expect(spent.shortMessage).toMatch(/already been used in this period/)

    // The doctor cancels: the fee goes back to the pool, not to the sending account.
    await manageBooking(doctor, { appointments: stack.appointments, slotId: first.slotId, action: 'cancelByDoctor' })
    const restored = await readPool(stack.publicClient, { insurance: stack.insurance, appointments: stack.appointments, insurer })
    expect(restored.unreserved).toBe(poolBefore.unreserved)
    expect(restored.reserved).toBe(poolBefore.reserved)
    expect(await readWithdrawable(stack.publicClient, { appointments: stack.appointments, account: relayer.account.address })).toBe(0n)

    // ...and the member's visit comes back: the same k books the second slot.
    const isUsed = (nullifier: bigint) => stack.publicClient.readContract({ address: stack.insurance, abi: Insurance.abi, functionName: 'nullifierUsed', args: [nullifier] })
    expect(await isUsed(cover.nullifier)).toBe(false)
    await bookCovered(stack.wallet(stackAccounts.otherPatient), { appointments: stack.appointments, slotId: second.slotId, ...again })
    expect(await isUsed(again.nullifier)).toBe(true)
    expect(again.nullifier).toBe(cover.nullifier)
  }, 120_000)

  it('a patient’s cancellation gives the visit back and reopens the slot; completing needs the patient’s attendance', async () => {
    const doctor = stack.wallet(stackAccounts.doctor)
    const start = (await chainNow()) + 200 * day // a period of its own
    const { slotId } = await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })
    const relayer = stack.wallet(stackAccounts.relayer)
    const cover = await proveCover(stack, { identitySecret, planId, validUntil, slotId, doctor: doctor.account.address, start, periodLength, visitsPerPeriod: 1, k: 0, payer: relayer.account.address })
    await bookCovered(relayer, { appointments: stack.appointments, slotId, ...cover })
    await manageBooking(relayer, { appointments: stack.appointments, slotId, action: 'cancelByPatient' })
    expect(await readSlot(stack.publicClient, { appointments: stack.appointments, slotId })).toMatchObject({ status: 'open', payer: undefined, covered: 0n })

    // Booked again (the same visit, another one-off account), then the visit day.
    const other = stack.wallet(stackAccounts.otherPatient)
    const rebook = await proveCover(stack, { identitySecret, planId, validUntil, slotId, doctor: doctor.account.address, start, periodLength, visitsPerPeriod: 1, k: 0, payer: other.account.address })
    await bookCovered(other, { appointments: stack.appointments, slotId, ...rebook })
    await manageBooking(doctor, { appointments: stack.appointments, slotId, action: 'confirm' })
    await travel(start - (await chainNow()) + 3600)
    expect((await refusal(manageBooking(doctor, { appointments: stack.appointments, slotId, action: 'complete' }))).errorName).toBe('Appointments__WrongStatus')
    expect((await refusal(manageBooking(relayer, { appointments: stack.appointments, slotId, action: 'confirmAttendance' }))).errorName).toBe('Appointments__NotPayer')
    await manageBooking(other, { appointments: stack.appointments, slotId, action: 'confirmAttendance' })
    expect((await readSlot(stack.publicClient, { appointments: stack.appointments, slotId })).status).toBe('attended')
    await manageBooking(doctor, { appointments: stack.appointments, slotId, action: 'complete' })
    expect((await readSlot(stack.publicClient, { appointments: stack.appointments, slotId })).status).toBe('completed')
  }, 120_000)

  it('two covered visits by one patient share no value on chain beyond the plan and the member root', async () => {
    const doctor = stack.wallet(stackAccounts.doctor)
    const start = (await chainNow()) + 40 * day
    const later = start + 31 * day // the next period: k = 0 is available again
    const a = await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })
    const b = await publishSlot(doctor, { appointments: stack.appointments, start: later, duration: 1800, fee })
    const prove = (slotId: bigint, slotStart: number, payer: Address) =>
      proveCover(stack, { identitySecret, planId, validUntil, slotId, doctor: doctor.account.address, start: slotStart, periodLength, visitsPerPeriod: 1, k: 0, payer })
    const first = await bookCovered(stack.wallet(stackAccounts.relayer), { appointments: stack.appointments, slotId: a.slotId, ...(await prove(a.slotId, start, address(stackAccounts.relayer))) })
    const second = await bookCovered(stack.wallet(stackAccounts.otherPatient), { appointments: stack.appointments, slotId: b.slotId, ...(await prove(b.slotId, later, address(stackAccounts.otherPatient))) })

    const words = async (hash: `0x${string}`) => {
      const tx = await stack.publicClient.getTransaction({ hash })
      const { args } = decodeFunctionData({ abi: Appointments.abi, data: tx.input })
      const [, cover] = args as unknown as [bigint, { planId: bigint; root: bigint; nullifier: bigint; proof: { pA: bigint[]; pB: bigint[][]; pC: bigint[] } }]
      return { from: tx.from, values: [cover.nullifier, ...cover.proof.pA, ...cover.proof.pB.flat(), ...cover.proof.pC], planId: cover.planId, root: cover.root }
    }
    const one = await words(first.txHash)
    const two = await words(second.txHash)
    expect(one.from).not.toBe(two.from)
    expect(one.values.filter((v) => two.values.includes(v))).toEqual([])
    expect(one.planId).toBe(two.planId)
  }, 120_000)

  it('enrols a pasted group in one transaction: the TypeScript tree matches the chain, and a member of the group books covered', async () => {
    const insurer = stack.wallet(stackAccounts.insurer)
    const doctor = stack.wallet(stackAccounts.doctor)
    const groupSecret = 0x6a0b5ec2e7n
    const before = await listMemberLeaves(stack.publicClient, { insurance: stack.insurance, insurer: insurer.account.address })

    // The insurer's page reads the pasted list; the patient of interest is the 5th code of 7.
    const others = [11n, 12n, 13n, 14n, 15n, 16n].map((c) => c * 1_000_003n)
    const codes = [...others.slice(0, 4), await identityCommitment(groupSecret), ...others.slice(4)]
    const pasted = `${codes.map(identityCardText).join('\n')}\n\n`
    const commitments = parseEnrolList(pasted)
    expect(commitments).toEqual(codes)
    const leaves = await Promise.all(commitments.map((identityCommitment) => credentialLeaf({ identityCommitment, planId, validUntil })))
    const batch = await enrolMembers(insurer, { insurance: stack.insurance, leaves })
    expect(batch.firstIndex).toBe(BigInt(before.length))
    const receipt = await stack.publicClient.getTransactionReceipt({ hash: batch.txHash })
    expect(receipt.logs).toHaveLength(1) // one MembersEnrolled, not one event per member

    // A single enrolment after the batch: listMemberLeaves reads both kinds of event in order.
    await enrolMember(insurer, { insurance: stack.insurance, leaf: 777n })
    const after = await listMemberLeaves(stack.publicClient, { insurance: stack.insurance, insurer: insurer.account.address })
    expect(after).toEqual([...before, ...leaves, 777n])
    const onChainRoot = (root: bigint) =>
      stack.publicClient.readContract({ address: stack.insurance, abi: Insurance.abi, functionName: 'isAcceptedRoot', args: [insurer.account.address, root] })
    expect((await memberTree([...before, ...leaves])).root).toBe(batch.root)
    expect(await onChainRoot(batch.root)).toBe(true)
    // Roots inside the batch never existed on chain.
    expect(await onChainRoot((await memberTree([...before, ...leaves.slice(0, 5)])).root)).toBe(false)
    const pool = await readPool(stack.publicClient, { insurance: stack.insurance, appointments: stack.appointments, insurer: insurer.account.address })
    expect(pool.root).toBe((await memberTree(after)).root)
    expect(pool.members).toBe(BigInt(after.length))

    const start = (await chainNow()) + 80 * day
    const { slotId } = await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })
    const cover = await proveCover(stack, { identitySecret: groupSecret, planId, validUntil, slotId, doctor: doctor.account.address, start, periodLength, visitsPerPeriod: 1, k: 0, payer: address(stackAccounts.relayer) })
    await bookCovered(stack.wallet(stackAccounts.relayer), { appointments: stack.appointments, slotId, ...cover })
    expect((await readSlot(stack.publicClient, { appointments: stack.appointments, slotId })).status).toBe('booked')
  }, 120_000)

  it('a plan growing past a depth boundary keeps working for old members', async () => {
    const insurer = stack.wallet(stackAccounts.insurer)
    const doctor = stack.wallet(stackAccounts.doctor)
    const read = (functionName: 'memberCount' | 'memberDepth') =>
      stack.publicClient.readContract({ address: stack.insurance, abi: Insurance.abi, functionName, args: [insurer.account.address] })
    // Fill the insurer's tree to exactly 2^d members: the last size of depth d.
    const size = Number(await read('memberCount'))
    const depth = eligibilityDepth(size)
    const fill = 2 ** depth - size
    if (fill > 0) await enrolMembers(insurer, { insurance: stack.insurance, leaves: Array.from({ length: fill }, (_, i) => BigInt(9_000 + i)) })
    expect(await read('memberCount')).toBe(2n ** BigInt(depth))
    expect(await read('memberDepth')).toBe(BigInt(depth))

    // An old member (enrolled 4th, before any of this) proves at depth d for a slot.
    const start = (await chainNow()) + 400 * day
    const next = start + 31 * day // the next period: the plan's one visit is available again
    const a = await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })
    const b = await publishSlot(doctor, { appointments: stack.appointments, start: next, duration: 1800, fee })
    const prove = (slotId: bigint, slotStart: number, payer: Address) =>
      proveCover(stack, { identitySecret, planId, validUntil, slotId, doctor: doctor.account.address, start: slotStart, periodLength, visitsPerPeriod: 1, k: 0, payer })
    const before = await prove(a.slotId, start, address(stackAccounts.relayer))
    expect(before.depth).toBe(depth)

    // One more member: 2^d + 1, the tree is now one level deeper.
    await enrolMember(insurer, { insurance: stack.insurance, leaf: 9_999n })
    expect(await read('memberDepth')).toBe(BigInt(depth + 1))

    // The proof made at depth d, against the root before, still books: a recent root, a depth the tree had.
    await bookCovered(stack.wallet(stackAccounts.relayer), { appointments: stack.appointments, slotId: a.slotId, ...before })
    expect((await readSlot(stack.publicClient, { appointments: stack.appointments, slotId: a.slotId })).status).toBe('booked')

    // The same old member proves again, now at depth d + 1 against the new root.
    const after = await prove(b.slotId, next, address(stackAccounts.otherPatient))
    expect(after.depth).toBe(depth + 1)
    expect(after.root).not.toBe(before.root)
    const other = stack.wallet(stackAccounts.otherPatient)
    // Named with another depth, the proof meets another depth's key: refused. A depth the tree never had: refused before verifying.
    expect((await refusal(bookCovered(other, { appointments: stack.appointments, slotId: b.slotId, ...after, depth: depth }))).errorName).toBe('Insurance__InvalidProof')
    expect((await refusal(bookCovered(other, { appointments: stack.appointments, slotId: b.slotId, ...after, depth: depth + 2 }))).errorName).toBe('Insurance__InvalidDepth')
    expect((await refusal(bookCovered(other, { appointments: stack.appointments, slotId: b.slotId, ...after, depth: 0 }))).errorName).toBe('Insurance__InvalidDepth')
    await bookCovered(other, { appointments: stack.appointments, slotId: b.slotId, ...after })
    expect((await readSlot(stack.publicClient, { appointments: stack.appointments, slotId: b.slotId })).status).toBe('booked')
  }, 180_000)

  it('refuses bad groups before sending, and non-insurers on chain', async () => {
    const insurer = stack.wallet(stackAccounts.insurer)
    await expect(enrolMembers(insurer, { insurance: stack.insurance, leaves: [] })).rejects.toBeInstanceOf(ChainInputError)
    const tooMany = Array.from({ length: maxEnrolBatch + 1 }, (_, i) => BigInt(i + 1))
    await expect(enrolMembers(insurer, { insurance: stack.insurance, leaves: tooMany })).rejects.toBeInstanceOf(ChainInputError)
    await expect(enrolMembers(insurer, { insurance: stack.insurance, leaves: [5n, 0n] })).rejects.toThrow(/Member 2 of the list/)
    const stranger = await refusal(enrolMembers(stack.wallet(stackAccounts.otherPatient), { insurance: stack.insurance, leaves: [5n, 6n] }))
    expect(stranger.errorName).toBe('Insurance__NotInsurer')

    const listError = (text: string) => {
      try {
        parseEnrolList(text)
      } catch (error) {
        expect(error).toBeInstanceOf(AppointmentInputError)
        return (error as AppointmentInputError).shortMessage
      }
      throw new Error('accepted')
    }
    expect(listError(' \n \n')).toMatch(/one per line/)
    expect(listError(`${identityCardText(5n)}\nnot a code`)).toMatch(/^Line 2: That is not an identity code/)
    expect(listError(`${identityCardText(5n)}\n${identityCardText(5n).toUpperCase()}`)).toMatch(/Line 2 repeats the code on line 1/)
    const typo = identityCardText(5n).replace(/.$/, (last) => (last === 'q' ? 'p' : 'q'))
    expect(listError(`${identityCardText(6n)}\n${typo}`)).toMatch(/^Line 2: That identity code has a typo/)
    expect(listError(Array.from({ length: maxEnrolBatch + 1 }, (_, i) => identityCardText(BigInt(i + 1))).join('\n'))).toMatch(/at most 256/)
  })

  it('the insurer’s page refuses a mistyped code, and says when a code is already enrolled in the plan (read from the leaves on chain)', async () => {
    const insurer = stack.wallet(stackAccounts.insurer)
    const context: PaymentContext = {
      config: undefined as unknown as PaymentContext['config'],
      chainId: await stack.publicClient.getChainId(),
      account: insurer.account.address,
      appointments: stack.appointments,
      insurance: stack.insurance,
      fromBlock: 0n,
      publicClient: stack.publicClient as unknown as PaymentContext['publicClient'],
      walletClient: insurer as unknown as PaymentContext['walletClient'],
      ensureChain: async () => {},
      faucet: undefined,
    }
    const desk = new InsurerDesk(context)
    await desk.load()
    expect(desk.loadError).toBe('')
    const code = identityCardText(await identityCommitment(0xd0b1e5n))
    const month = monthInput(await chainNow(), 6)
    const members = async () => (await listMemberLeaves(stack.publicClient, { insurance: stack.insurance, insurer: insurer.account.address })).length

    // One character wrong: refused before anything is sent.
    const before = await members()
    desk.enrolForm = { commitment: code.slice(0, 20) + (code[20] === 'q' ? 'p' : 'q') + code.slice(21), planId: planId.toString(), validThrough: month }
    await desk.enrol()
    expect(desk.formError).toEqual({ field: 'identityCommitment', message: expect.stringMatching(/has a typo/) })
    expect(await members()).toBe(before)

    desk.enrolForm = { commitment: code, planId: planId.toString(), validThrough: month }
    await desk.enrol()
    expect(desk.status.error).toBe('')
    expect(desk.status.done?.text).toMatch(/^Enrolled member/)
    expect(await members()).toBe(before + 1)

    // The same code again, for that month or an earlier one: refused, with the month it is covered through.
    for (const validThrough of [month, monthInput(await chainNow(), 2)]) {
      desk.enrolForm = { commitment: code, planId: planId.toString(), validThrough }
      await desk.enrol()
      expect(desk.status.error).toBe(`This patient is already enrolled in “Meridian Basic”, covered through ${month}. To extend their cover, choose a later month.`)
    }
    desk.enrolListForm = { commitments: `${identityCardText(9_000_001n)}\n${code}`, planId: planId.toString(), validThrough: month }
    await desk.enrolList()
    expect(desk.status.error).toMatch(new RegExp(`^Already enrolled in “Meridian Basic” for that month or later: line 2 \\(through ${month}\\)`))
    expect(await members()).toBe(before + 1)

    // A later month extends the cover.
    desk.enrolForm = { commitment: code, planId: planId.toString(), validThrough: monthInput(await chainNow(), 18) }
    await desk.enrol()
    expect(desk.status.error).toBe('')
    expect(await members()).toBe(before + 2)
  })

  it('the insurer withdraws only what is not reserved', async () => {
    const insurer = stack.wallet(stackAccounts.insurer)
    const pool = await readPool(stack.publicClient, { insurance: stack.insurance, appointments: stack.appointments, insurer: insurer.account.address })
    const error = await refusal(withdrawUnreserved(insurer, { insurance: stack.insurance, amount: pool.unreserved + 1n }))
    expect(error.errorName).toBe('Insurance__InsufficientPool')
    await withdrawUnreserved(insurer, { insurance: stack.insurance, amount: pool.unreserved })
    const after = await readPool(stack.publicClient, { insurance: stack.insurance, appointments: stack.appointments, insurer: insurer.account.address })
    expect(after.unreserved).toBe(0n)
    expect(after.reserved).toBe(pool.reserved)
  })
})
