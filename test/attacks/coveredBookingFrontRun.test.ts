// Attack: front-running a covered booking from the mempool.
// A covered booking carries everything it needs in its calldata (slot, plan, root,
// nullifier, proof) and names nobody, so anyone watching the mempool can copy it and
// send it first from their own account, with a higher tip. If the proof is not bound
// to the account that sends it, the copy books the slot with the patient's proof: the
// attacker becomes the slot's payer (so they alone can cancel it), the patient's own
// transaction reverts, and the member's covered visit is spent on a booking they do not
// control. Here, on a real anvil with the real verifier and a real Groth16 proof, the
// patient's one-off account sends the booking with automining off; the attacker reads
// it from the pending block and sends the same calldata first. The attacker must get
// nothing: their copy reverts and the patient's transaction books the slot.
import { createWalletClient, encodeFunctionData, http, parseEther, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { foundry } from 'viem/chains'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { proveCover, releaseProverThreads, stackAccounts, startPaymentsStack, type PaymentsStack } from '../support/paymentsStack.ts'
import { publishSlot } from '../../src/chain/appointments/publishSlot.ts'
import { readSlot } from '../../src/chain/appointments/readSlot.ts'
import { Appointments } from '../../src/chain/generated/Appointments.ts'
import { createPlan } from '../../src/chain/insurance/createPlan.ts'
import { enrolMember } from '../../src/chain/insurance/enrolMember.ts'
import { fundPool } from '../../src/chain/insurance/fundPool.ts'
import { credentialLeaf } from '../../src/zk/credentialLeaf.ts'
import { identityCommitment } from '../../src/zk/identity.ts'

const day = 86_400
const fee = parseEther('0.05')
let stack: PaymentsStack

beforeAll(async () => {
  stack = await startPaymentsStack()
}, 120_000)

afterAll(async () => {
  await releaseProverThreads()
  await stack?.stop()
})

it('a covered booking copied from the mempool and sent first by another account reverts; the patient’s own transaction books the slot', async () => {
  const insurer = stack.wallet(stackAccounts.insurer)
  const doctor = stack.wallet(stackAccounts.doctor)
  const identitySecret = 0xf00d5ec2e7n
  const validUntil = 4_000_000_000n
  const periodLength = 30 * day
  const { planId } = await createPlan(insurer, { insurance: stack.insurance, name: 'Front-run plan', feeCovered: fee, visitsPerPeriod: 1, periodLength })
  await enrolMember(insurer, { insurance: stack.insurance, leaf: 41n })
  await enrolMember(insurer, { insurance: stack.insurance, leaf: await credentialLeaf({ identityCommitment: await identityCommitment(identitySecret), planId, validUntil }) })
  await fundPool(insurer, { insurance: stack.insurance, insurer: insurer.account.address, amount: parseEther('1') })
  const start = Number((await stack.publicClient.getBlock()).timestamp) + 3 * day
  const { slotId } = await publishSlot(doctor, { appointments: stack.appointments, start, duration: 1800, fee })

  // The patient's app: a fresh one-off account, funded for gas, and a real proof for it.
  const transport = http(stack.rpcUrl, { retryCount: 0 })
  const funded = async () => {
    const account = privateKeyToAccount(generatePrivateKey())
    const faucet = createWalletClient({ account: privateKeyToAccount(anvilAccount(stackAccounts.relayer).privateKey), chain: foundry, transport })
    const hash = await faucet.sendTransaction({ to: account.address, value: parseEther('0.1') })
    await stack.publicClient.waitForTransactionReceipt({ hash })
    return createWalletClient({ account, chain: foundry, transport })
  }
  const patient = await funded()
  const attacker = await funded()
  const cover = await proveCover(stack, {
    identitySecret, planId, validUntil, slotId, doctor: doctor.account.address, start, periodLength, visitsPerPeriod: 1, k: 0, payer: patient.account.address,
  } )
  const data = encodeFunctionData({
    abi: Appointments.abi,
    functionName: 'bookCovered',
    args: [slotId, { planId: cover.planId, root: cover.root, depth: BigInt(cover.depth), nullifier: cover.nullifier, proof: { pA: cover.proof.a, pB: cover.proof.b, pC: cover.proof.c } }],
  })

  await stack.testClient.setAutomine(false)
  let patientTx: Hex
  let attackTx: Hex
  try {
    const base = (await stack.publicClient.getBlock()).baseFeePerGas ?? 1_000_000_000n
    patientTx = await patient.sendTransaction({ to: stack.appointments, data, gas: 1_500_000n, maxFeePerGas: base * 4n + 1_000_000n, maxPriorityFeePerGas: 1_000_000n })
    // The attacker watches the mempool: the pending block holds the patient's transaction.
    const pending = await stack.publicClient.getBlock({ blockTag: 'pending', includeTransactions: true })
    const seen = pending.transactions.find((tx) => typeof tx !== 'string' && tx.hash === patientTx)
    expect(seen, 'the patient’s booking is visible in the mempool').toBeTruthy()
    const copy = seen as { input: Hex; to: Address | null; value: bigint }
    expect(copy.input).toBe(data)
    attackTx = await attacker.sendTransaction({ to: copy.to!, data: copy.input, value: copy.value, gas: 1_500_000n, maxFeePerGas: base * 40n + 1_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n })
    await stack.testClient.mine({ blocks: 1 })
  } finally {
    await stack.testClient.setAutomine(true)
  }
  const attack = await stack.publicClient.getTransactionReceipt({ hash: attackTx })
  const own = await stack.publicClient.getTransactionReceipt({ hash: patientTx })
  expect(attack.blockNumber).toBe(own.blockNumber)
  expect(attack.transactionIndex, 'the attacker’s higher tip puts the copy first').toBeLessThan(own.transactionIndex)
  expect(attack.status, 'the copied booking sent from the attacker’s account').toBe('reverted')
  expect(own.status, 'the patient’s own booking').toBe('success')
  const slot = await readSlot(stack.publicClient, { appointments: stack.appointments, slotId })
  expect(slot.status).toBe('booked')
  expect(slot.payer).toBe(patient.account.address)
}, 180_000)
