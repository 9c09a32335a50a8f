// Gas of booking and enrolment on a real anvil (bench/support/paymentsStack.ts):
// appointments.book_selfpay_gas, appointments.enrol_gas (1,000 members already enrolled),
// appointments.enrol_many_gas_per_member.batch32 (one enrolMany of 32 into the same
// 1,000-member tree: the whole transaction's gas ÷ 32) and
// appointments.book_covered_gas (a real Groth16 proof through the generated verifier: the
// deployment's first booking) and appointments.book_covered_gas.second (the next one).
// (Until issue 9 the last three were named insurance.enrol_gas,
// insurance.enrol_many_gas_per_member.batch32 and eligibility.book_covered_gas.)
import { hexToBigInt, keccak256, toHex, type Hex } from 'viem'
import { writeContract } from 'viem/actions'
import { Insurance } from '../src/chain/generated/Insurance.ts'
import { publishSlot } from '../src/chain/appointments/publishSlot.ts'
import { bookSlot } from '../src/chain/appointments/bookSlot.ts'
import { bookCovered } from '../src/chain/appointments/bookCovered.ts'
import { createPlan } from '../src/chain/insurance/createPlan.ts'
import { enrolMember } from '../src/chain/insurance/enrolMember.ts'
import { enrolMembers } from '../src/chain/insurance/enrolMembers.ts'
import { fundPool } from '../src/chain/insurance/fundPool.ts'
import { credentialLeaf } from '../src/zk/credentialLeaf.ts'
import { snarkScalarField } from '../src/zk/field.ts'
import { identityCommitment } from '../src/zk/identity.ts'
import { releaseProverThreads } from '../src/zk/proveInNode.ts'
import { once, type Benchmark } from './support/benchmark.ts'
import { gasOf, proveCover, stackAccounts, startPaymentsStack, type PaymentsStack } from './support/paymentsStack.ts'

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

/** Two covered bookings of one member on a fresh stack (a 4-member tree: depth 2): their gas. */
const coveredBookings = once(async (): Promise<[number, number]> => {
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
    const relayer = stack.wallet(stackAccounts.relayer)
    const gas: number[] = []
    for (const k of [0, 1]) {
      const slotStart = start + k * 3600
      const { slotId } = await publishSlot(doctor, { appointments: stack.appointments, start: slotStart, duration: 1800, fee })
      const cover = await proveCover(stack, { identitySecret, planId, validUntil, slotId, doctor: doctor.account.address, start: slotStart, periodLength, visitsPerPeriod: 4, k, payer: relayer.account.address })
      const { txHash } = await bookCovered(relayer, { appointments: stack.appointments, slotId, ...cover })
      gas.push(await gasOf(stack, txHash))
    }
    return [gas[0]!, gas[1]!]
  } finally {
    await releaseProverThreads()
    await stack.stop()
  }
})

const benchmarks: Benchmark[] = [
  {
    name: 'appointments.book_selfpay_gas',
    about: 'gas of a self-pay booking (not the contract\'s first), on a real anvil',
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
    name: 'appointments.enrol_gas',
    about: 'gas of enrolling member 1,001 in an insurer\'s tree, on a real anvil',
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
    name: 'appointments.enrol_many_gas_per_member.batch32',
    about: 'gas of one enrolMany of 32 into a 1,000-member tree ÷ 32, on a real anvil',
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
    name: 'appointments.book_covered_gas',
    about: 'gas of a covered booking through the real eligibility verifier (real Groth16 proof made in Node), the deployment\'s first booking (its insurer\'s cover in escrow is written from zero), on a real anvil',
    unit: 'gas',
    better: 'lower',
    target: 400_000,
    run: async () => (await coveredBookings())[0],
  },
  {
    name: 'appointments.book_covered_gas.second',
    about: 'gas of the next covered booking of the same member (k = 1, another slot) while the first is in escrow: the escrow totals are already non-zero, as for every booking but a deployment\'s first',
    unit: 'gas',
    better: 'lower',
    run: async () => (await coveredBookings())[1],
  },
]

export default benchmarks
