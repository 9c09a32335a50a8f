// Appointments, payments and insurance end to end in Chromium: a doctor, a patient and
// an insurer in three browser contexts on the real local network (anvil with the
// deployed contracts and the real eligibility verifier, Vite); balances read with viem.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createPublicClient, createTestClient, http, parseEther, type Address, type Hash } from 'viem'
import { foundry } from 'viem/chains'
import type { Browser, Page } from 'playwright-core'
import { Appointments } from '../../src/chain/generated/Appointments.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { launchBrowser } from './support/browser.ts'
import { step } from './support/step.ts'
import { actionError, actionReceipt, openAs, openSection, refresh, slot, utcInput } from './support/appointmentsPage.ts'

const appUrl = inject('appUrl')
const rpcUrl = inject('rpcUrl')
const transport = http(rpcUrl)
const chain = createPublicClient({ chain: foundry, transport })
const testClient = createTestClient({ chain: foundry, mode: 'anvil', transport })
const fee = parseEther('0.05')
const day = 86_400
const period = 30 * day

let browser: Browser
let doctor: { page: Page; errors: string[] }
let patient: { page: Page; errors: string[] }
let insurer: { page: Page; errors: string[] }
let config: NetworkConfig
const accountOf = (label: string) => config.localAccounts!.find((a) => a.label === label)!.address
let appointments: Address

const chainNow = async () => Number((await chain.getBlock()).timestamp)

/** What `account` gained or lost in the block of `txHash`, and the gas it paid there if it sent it. */
async function balanceChange(account: Address, txHash: Hash): Promise<{ delta: bigint; gas: bigint }> {
  const receipt = await chain.getTransactionReceipt({ hash: txHash })
  const before = await chain.getBalance({ address: account, blockNumber: receipt.blockNumber - 1n })
  const after = await chain.getBalance({ address: account, blockNumber: receipt.blockNumber })
  const gas = receipt.from.toLowerCase() === account.toLowerCase() ? receipt.gasUsed * receipt.effectiveGasPrice : 0n
  return { delta: after - before, gas }
}

async function publish(start: number): Promise<bigint> {
  const { page } = doctor
  await page.getByLabel('Start').fill(utcInput(start))
  await page.getByLabel('Duration (minutes)').fill('30')
  await page.getByLabel('Fee (ETH)').fill('0.05')
  await page.getByRole('button', { name: 'Publish slot' }).click()
  const { text } = await actionReceipt(page, /Published slot #\d+ for 0\.05 ETH/)
  return BigInt(/#(\d+)/.exec(text)![1]!)
}

beforeAll(async () => {
  config = (await (await fetch(new URL('/config/salus.config.json', appUrl))).json()) as NetworkConfig
  appointments = config.contracts.Appointments!.address
  browser = await launchBrowser()
  doctor = await openAs(browser, appUrl, /^Dr\. Amara Okafor/)
  patient = await openAs(browser, appUrl, /^Bob\b/)
  insurer = await openAs(browser, appUrl, /^Meridian Health Insurance/)
})

afterAll(async () => {
  for (const who of [doctor, patient, insurer]) if (who?.errors.length) console.warn(who.errors.join('\n'))
  await browser?.close()
})

describe('appointments, payments and insurance in three tabs', () => {
  let paidSlot: bigint
  let paidStart: number

  const step1 = step([], async () => {
    await openSection(doctor.page, 'Schedule')
    // Soon, so the chain's clock needs only minutes of travel to reach it (other e2e files share this chain).
    paidStart = Math.ceil(((await chainNow()) + 180) / 60) * 60
    paidSlot = await publish(paidStart)

    await openSection(patient.page, 'Appointments')
    await refresh(patient.page)
    const free = slot(patient.page, paidSlot)
    await expect.poll(() => free.textContent()).toContain('0.05 ETH')
    await free.getByRole('button', { name: 'Book and pay 0.05 ETH' }).click()
    const { txHash } = await actionReceipt(patient.page, new RegExp(`Booked slot #${paidSlot} and paid 0\\.05 ETH`))
    const { delta, gas } = await balanceChange(accountOf('Bob'), txHash)
    expect(delta).toBe(-(fee + gas))
    // The receipt is listed with its transaction, and the booking under "My appointments".
    await expect.poll(() => patient.page.getByRole('region', { name: 'Receipts' }).textContent()).toContain(txHash)
    await expect.poll(() => slot(patient.page, paidSlot).textContent()).toMatch(/waiting for the doctor to confirm/)
  })
  it('a doctor publishes a slot; the patient books it and pays exactly the fee', step1)

  const step2 = step([step1], async () => {
    await refresh(doctor.page)
    await slot(doctor.page, paidSlot).getByRole('button', { name: 'Confirm' }).click()
    await actionReceipt(doctor.page, new RegExp(`Confirmed slot #${paidSlot}`))

    await testClient.increaseTime({ seconds: Math.max(1, paidStart - (await chainNow()) + 5) })
    await testClient.mine({ blocks: 1 })
    await refresh(doctor.page)
    // Not before the patient says they came.
    const complete = slot(doctor.page, paidSlot).getByRole('button', { name: 'Complete' })
    expect(await complete.isDisabled()).toBe(true)
    expect(await slot(doctor.page, paidSlot).textContent()).toMatch(/waiting for the patient to confirm attending/)

    await refresh(patient.page)
    await slot(patient.page, paidSlot).getByRole('button', { name: 'I attended' }).click()
    await actionReceipt(patient.page, new RegExp(`Confirmed you attended slot #${paidSlot}`))

    await refresh(doctor.page)
    await expect.poll(() => slot(doctor.page, paidSlot).textContent()).toMatch(/The patient confirmed attending/)
    await slot(doctor.page, paidSlot).getByRole('button', { name: 'Complete' }).click()
    await actionReceipt(doctor.page, new RegExp(`Completed slot #${paidSlot}`))
    await expect.poll(() => doctor.page.getByTestId('earnings').textContent()).toBe('0.05 ETH')

    await doctor.page.getByRole('button', { name: 'Withdraw earnings' }).click()
    const { txHash } = await actionReceipt(doctor.page, /Sent 0\.05 ETH to your account/)
    const { delta, gas } = await balanceChange(accountOf('Dr. Amara Okafor'), txHash)
    expect(delta).toBe(fee - gas)
    expect(await chain.readContract({ address: appointments, abi: Appointments.abi, functionName: 'withdrawable', args: [accountOf('Dr. Amara Okafor')] })).toBe(0n)
  })
  it('the doctor confirms; once the patient confirms attending, the doctor completes and withdraws the fee', step2)

  const step3 = step([step1], async () => {
    const code = await patient.page.getByTestId('identity-commitment').textContent()
    expect(code).toMatch(/^salusid1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/)

    await openSection(insurer.page, 'Insurance')
    await insurer.page.getByLabel('Plan name').fill('Meridian Basic')
    await insurer.page.getByLabel('Fee covered per visit (ETH)').fill('0.05')
    await insurer.page.getByLabel('Visits per period').fill('1')
    await insurer.page.getByLabel('Period (days)').fill('30')
    await insurer.page.getByRole('button', { name: 'Create plan' }).click()
    await actionReceipt(insurer.page, /Created plan #\d+ “Meridian Basic”/)

    const members = Number(await insurer.page.getByTestId('members-count').textContent())
    // One character mistyped: refused on the page, nothing sent.
    const typo = code!.slice(0, 30) + (code![30] === 'q' ? 'p' : 'q') + code!.slice(31)
    await insurer.page.getByLabel('Identity code').fill(typo)
    await insurer.page.getByRole('button', { name: 'Enrol member' }).click()
    await insurer.page.getByRole('alert').filter({ hasText: 'That identity code has a typo' }).waitFor()
    expect(Number(await insurer.page.getByTestId('members-count').textContent())).toBe(members)

    await insurer.page.getByLabel('Identity code').fill(code!)
    await insurer.page.getByRole('button', { name: 'Enrol member' }).click()
    await actionReceipt(insurer.page, /Enrolled member #\d+ in “Meridian Basic”/)
    await expect.poll(() => insurer.page.getByTestId('members-count').textContent()).toBe(String(members + 1))
    // So few members that a claim points at someone: the page says so.
    expect(await insurer.page.getByTestId('small-tree-warning').textContent()).toMatch(new RegExp(`reveals that it was made by (your one member|one of ${members + 1} members)`))

    // The same code again, for the same month: the insurer is told it is enrolled already.
    await insurer.page.getByLabel('Identity code').fill(code!)
    await insurer.page.getByRole('button', { name: 'Enrol member' }).click()
    expect(await actionError(insurer.page)).toMatch(/^This patient is already enrolled in “Meridian Basic”, covered through \d{4}-\d{2}\./)
    expect(Number(await insurer.page.getByTestId('members-count').textContent())).toBe(members + 1)

    const pool = await insurer.page.getByTestId('pool-unreserved').textContent()
    await insurer.page.getByLabel('Amount to add (ETH)').fill('1')
    await insurer.page.getByRole('button', { name: 'Fund pool' }).click()
    await actionReceipt(insurer.page, /Added 1 ETH to the pool/)
    expect(pool).toBe('0 ETH')
    await expect.poll(() => insurer.page.getByTestId('pool-unreserved').textContent()).toBe('1 ETH')
  })
  it('an insurer creates a plan, enrols the patient from the pasted identity code, and funds the pool', step3)

  let extraSlot: bigint
  let coveredSlot: bigint

  const step4 = step([step3], async () => {
    const now = await chainNow()
    let first = Math.floor((now + 3 * day) / 60) * 60
    let second = first + 3600
    // Both in one plan period (period = start / 30 days).
    if (Math.floor(second / period) !== Math.floor(first / period)) [first, second] = [first - 2 * 3600, first - 3600]
    coveredSlot = await publish(first)
    extraSlot = await publish(second)

    await refresh(patient.page)
    const bob = accountOf('Bob')
    const balanceBefore = await chain.getBalance({ address: bob })
    await slot(patient.page, coveredSlot).getByRole('button', { name: 'Use my insurance' }).click()
    // The proof's progress is shown while it is made.
    await patient.page.getByRole('status', { name: 'Insurance proof progress' }).waitFor({ timeout: 30_000 })
    const { txHash } = await actionReceipt(patient.page, new RegExp(`Booked slot #${coveredSlot}, paid by your insurer \\(0\\.05 ETH\\)`))
    expect(await chain.getBalance({ address: bob })).toBe(balanceBefore)
    const tx = await chain.getTransaction({ hash: txHash })
    expect(tx.from.toLowerCase()).not.toBe(bob.toLowerCase())
    expect(tx.input.toLowerCase()).not.toContain(bob.slice(2).toLowerCase())
    const booked = await chain.readContract({ address: appointments, abi: Appointments.abi, functionName: 'getSlot', args: [coveredSlot] })
    expect(booked.covered).toBe(fee)
    expect(booked.insurer).toBe(accountOf('Meridian Health Insurance'))
    await expect.poll(() => slot(patient.page, coveredSlot).textContent()).toMatch(/paid by your insurer/)

    await slot(patient.page, extraSlot).getByRole('button', { name: 'Use my insurance' }).click()
    expect(await actionError(patient.page)).toMatch(/used all 1 covered visit of “Meridian Basic” in this period/)
    expect((await chain.readContract({ address: appointments, abi: Appointments.abi, functionName: 'getSlot', args: [extraSlot] })).status).toBe(1) // still open

    // The insurer sees the claim and its pool, never who.
    await refresh(insurer.page)
    await expect.poll(() => insurer.page.getByTestId('pool-unreserved').textContent()).toBe('0.95 ETH')
    expect(await insurer.page.getByTestId('pool-reserved').textContent()).toBe('0.05 ETH')
    const claims = insurer.page.getByRole('table', { name: 'Claims' })
    expect(await claims.textContent()).toContain(txHash)
    expect((await claims.textContent())!.toLowerCase()).not.toContain(bob.slice(2).toLowerCase())
  })
  it('the patient books covered, paying nothing and leaving no trace of their account; one visit more than the plan allows is refused', step4)

  const step5 = step([step4], async () => {
    const bob = accountOf('Bob')
    await refresh(patient.page)
    await slot(patient.page, extraSlot).getByRole('button', { name: 'Book and pay 0.05 ETH' }).click()
    await actionReceipt(patient.page, new RegExp(`Booked slot #${extraSlot} and paid 0\\.05 ETH`))
    await slot(patient.page, extraSlot).getByRole('button', { name: 'Cancel appointment' }).click()
    const cancelled = await actionReceipt(patient.page, new RegExp(`Cancelled slot #${extraSlot}; 0\\.05 ETH is refunded`))
    await expect.poll(() => patient.page.getByTestId('refundable').textContent()).toBe('0.05 ETH')
    await patient.page.getByRole('button', { name: 'Withdraw refunds' }).click()
    const { txHash } = await actionReceipt(patient.page, /Sent 0\.05 ETH to your account/)
    const { delta, gas } = await balanceChange(bob, txHash)
    expect(delta).toBe(fee - gas)
    const receipts = (await patient.page.getByRole('region', { name: 'Receipts' }).textContent())!
    expect(receipts).toContain(cancelled.txHash)
    expect(receipts).toContain(txHash)
    expect(receipts).toMatch(/Refund credited/)
    // The cancelled slot is free again, for anyone.
    await expect.poll(() => slot(patient.page, extraSlot).textContent()).toContain('Book and pay 0.05 ETH')
  })
  it('the patient pays for the slot insurance would not cover, cancels more than 24 h ahead and withdraws the refund', step5)

  const step6 = step([step5], async () => {
    await refresh(patient.page)
    await slot(patient.page, coveredSlot).getByRole('button', { name: 'Cancel appointment' }).click()
    const { txHash } = await actionReceipt(patient.page, new RegExp(`Cancelled slot #${coveredSlot}; 0\\.05 ETH went back to your insurer’s pool and you have your covered visit back`))
    expect((await chain.getTransaction({ hash: txHash })).from.toLowerCase()).not.toBe(accountOf('Bob').toLowerCase())
    const reopened = await chain.readContract({ address: appointments, abi: Appointments.abi, functionName: 'getSlot', args: [coveredSlot] })
    expect(reopened.status).toBe(1) // open
    // The visit of this period is available again: the other slot of the period books covered.
    await refresh(patient.page)
    await slot(patient.page, extraSlot).getByRole('button', { name: 'Use my insurance' }).click()
    await actionReceipt(patient.page, new RegExp(`Booked slot #${extraSlot}, paid by your insurer \\(0\\.05 ETH\\)`))
  })
  it('cancelling the covered booking gives the pool its fee and the patient the covered visit back; the slot is free again', step6)
})
