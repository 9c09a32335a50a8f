// Pure helpers of the appointments pages: amounts exact to the wei, the identity card's
// payload at the boundary, credential discovery and the covered-booking key store.
import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { snarkScalarField } from '../../../zk/field.ts'
import { credentialLeaf } from '../../../zk/credentialLeaf.ts'
import { eligibilityNullifier } from '../../../zk/eligibilityNullifier.ts'
import { identityCommitment } from '../../../zk/identity.ts'
import { memberTree } from '../../../zk/memberTree.ts'
import { ProofInputError } from '../../../zk/zkErrors.ts'
import { minimumMembersForAnonymity, smallTreeWarning } from './anonymityWarning.ts'
import { AppointmentInputError } from './appointmentInputError.ts'
import { coverInput, firstUnusedVisit } from '../../../flows/appointments/coverInput.ts'
import { visitPeriod } from '../../../core/insurance/visitPeriod.ts'
import { loadCoveredBookingKeys, saveCoveredBookingKeys } from '../../../flows/appointments/coveredBookingKeys.ts'
import { candidateExpiries } from '../../../core/insurance/credentialMonths.ts'
import { endOfMonth } from './coverMonthField.ts'
import { formatEth, parseEthAmount } from './ethAmount.ts'
import { findCredentials } from '../../../flows/appointments/findCredentials.ts'
import { enrolledAlready, refuseEnrolledAlready } from './enrolledAlready.ts'
import { identityCardText, parseIdentityCommitment } from './identityCard.ts'
import type { PlanView } from '../../../core/insurance/planView.ts'

const insurer: Address = '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955'
const plan: PlanView = { planId: 3n, insurer, name: 'Basic', feeCovered: 5n * 10n ** 16n, visitsPerPeriod: 2, periodLength: 30 * 86_400, closed: false }

describe('ETH amounts', () => {
  it('round-trips to the wei without floats', () => {
    expect(parseEthAmount('0.050000000000000001')).toBe(50_000_000_000_000_001n)
    expect(formatEth(50_000_000_000_000_001n)).toBe('0.050000000000000001 ETH')
    expect(parseEthAmount(' 1.5 ETH ')).toBe(1_500_000_000_000_000_000n)
    expect(parseEthAmount('.25')).toBe(250_000_000_000_000_000n)
    expect(parseEthAmount('0', { allowZero: true })).toBe(0n)
  })

  it('refuses what it would have to round or cannot send', () => {
    for (const bad of ['', 'abc', '1e18', '-1', '0.0000000000000000001', '1,5', '0', '99999999999']) {
      expect(() => parseEthAmount(bad), bad).toThrow(AppointmentInputError)
    }
  })
})

describe('identity card', () => {
  const charset = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
  const samples = [1n, 0x1234abcdn, snarkScalarField - 1n, 0x2f8e6c1a9b7d5e3c1a0f8e6d4c2b0a9f8e7d6c5b4a3928170615f4e3d2c1b0an]

  it('reads back the card text, in either case and with spaces around', () => {
    for (const value of samples) {
      const text = identityCardText(value)
      expect(text).toMatch(/^salusid1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/)
      expect(parseIdentityCommitment(text)).toBe(value)
      expect(parseIdentityCommitment(`  ${text.toUpperCase()}\n`)).toBe(value)
    }
  })

  it('refuses every single-character typo, with the sentence that says it is a typo', () => {
    for (const value of samples) {
      const text = identityCardText(value)
      let tried = 0
      for (let i = 'salusid1'.length; i < text.length; i++) {
        for (const char of charset) {
          if (char === text[i]) continue
          const typo = text.slice(0, i) + char + text.slice(i + 1)
          expect(() => parseIdentityCommitment(typo), typo).toThrow(/has a typo/)
          tried++
        }
      }
      expect(tried).toBe(58 * 31)
    }
  })

  it('refuses every swap of two neighbouring characters, every dropped and every doubled character', () => {
    const text = identityCardText(samples[3]!)
    for (let i = 'salusid1'.length; i < text.length; i++) {
      const dropped = text.slice(0, i) + text.slice(i + 1)
      const doubled = text.slice(0, i) + text[i] + text.slice(i)
      expect(() => parseIdentityCommitment(dropped), dropped).toThrow(AppointmentInputError)
      expect(() => parseIdentityCommitment(doubled), doubled).toThrow(AppointmentInputError)
      if (i + 1 < text.length && text[i] !== text[i + 1]) {
        const swapped = text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2)
        expect(() => parseIdentityCommitment(swapped), swapped).toThrow(/has a typo/)
      }
    }
  })

  it('refuses anything else, the old hex format included, with a sentence the insurer can act on', () => {
    const good = identityCardText(5n)
    const bad = [
      '',
      'hello',
      '0x5',
      '5',
      'x'.repeat(500),
      `salus-identity:0x${'0'.repeat(63)}5`,
      good.slice(0, 20) + good.slice(20).toUpperCase(), // mixed case
      good.replace('salusid', 'salusix'), // another prefix: its checksum no longer matches
      good.slice(0, 12) + 'b' + good.slice(13), // b is not in the alphabet
    ]
    for (const input of bad) {
      const error = (() => {
        try {
          parseIdentityCommitment(input)
        } catch (e) {
          return e
        }
      })()
      expect(error, input).toBeInstanceOf(AppointmentInputError)
      expect((error as AppointmentInputError).shortMessage).toMatch(/code|card/)
    }
    expect(() => identityCardText(0n)).toThrow(RangeError)
    expect(() => identityCardText(snarkScalarField)).toThrow(RangeError)
  })
})

describe('the insurer’s warning about a small member tree', () => {
  it('warns from 1 to 19 members, saying a covered booking reveals one of N; not for none or 20 and more', () => {
    expect(minimumMembersForAnonymity).toBe(20)
    expect(smallTreeWarning(0n)).toBe('')
    expect(smallTreeWarning(20n)).toBe('')
    expect(smallTreeWarning(1_000)).toBe('')
    expect(smallTreeWarning(1n)).toBe(
      'Only 1 member is enrolled, fewer than 20. A covered booking reveals that it was made by your one member: the claim names them as surely as a signature would. Enrol more members before you rely on claims staying anonymous.',
    )
    for (let n = 2; n < 20; n++) expect(smallTreeWarning(BigInt(n))).toMatch(new RegExp(`^Only ${n} members are enrolled, fewer than 20\\. A covered booking reveals that it was made by one of ${n} members`))
  })
})

describe('a code already enrolled', () => {
  it('is found in the plan for the chosen month or later, not for another plan or an earlier month', async () => {
    const now = Date.UTC(2026, 0, 10) / 1000
    const [a, b, c] = [101n, 202n, 303n]
    const leaves = [
      7n,
      await credentialLeaf({ identityCommitment: a, planId: plan.planId, validUntil: endOfMonth('2026-12') }),
      await credentialLeaf({ identityCommitment: b, planId: plan.planId + 1n, validUntil: endOfMonth('2026-12') }),
      await credentialLeaf({ identityCommitment: c, planId: plan.planId, validUntil: endOfMonth('2026-03') }),
      await credentialLeaf({ identityCommitment: a, planId: plan.planId, validUntil: endOfMonth('2027-06') }),
    ]
    const found = enrolledAlready({ commitments: [a, b, c], plan, validUntil: endOfMonth('2026-06'), leaves, now })
    expect([...found]).toEqual([[a, endOfMonth('2027-06')]])
    // Extending a beyond its latest month is not refused.
    expect(enrolledAlready({ commitments: [a], plan, validUntil: endOfMonth('2027-07'), leaves, now }).size).toBe(0)
    expect(() => refuseEnrolledAlready(found, [a], plan, 'identityCommitment')).toThrow('This patient is already enrolled in “Basic”, covered through 2027-06. To extend their cover, choose a later month.')
    expect(() => refuseEnrolledAlready(found, [b, a], plan, 'identityCommitments')).toThrow(/^Already enrolled in “Basic” for that month or later: line 2 \(through 2027-06\)\. Remove that line/)
    expect(() => refuseEnrolledAlready(new Map(), [a], plan, 'identityCommitment')).not.toThrow()
  })
})

describe('credential months', () => {
  it('ends a month at its last UTC second, leap years included', () => {
    expect(endOfMonth('2028-02')).toBe(BigInt(Date.UTC(2028, 2, 1) / 1000 - 1))
    expect(new Date(Number(endOfMonth('2027-12')) * 1000).toISOString()).toBe('2027-12-31T23:59:59.000Z')
    expect(() => endOfMonth('2027-13')).toThrow(AppointmentInputError)
    expect(() => endOfMonth('next year')).toThrow(AppointmentInputError)
  })

  it('searches the current month and ten years ahead', () => {
    const now = Date.UTC(2026, 4, 17) / 1000
    const expiries = candidateExpiries(now)
    expect(expiries[0]).toBe(endOfMonth('2026-05'))
    expect(expiries.at(-1)).toBe(endOfMonth('2036-05'))
  })
})

describe('finding a credential and building the proof input', () => {
  const identitySecret = 0xc0ffeen

  it('finds the patient’s leaf among others, only for its own commitment, plan and month', async () => {
    const commitment = await identityCommitment(identitySecret)
    const validUntil = endOfMonth('2027-06')
    const leaf = await credentialLeaf({ identityCommitment: commitment, planId: plan.planId, validUntil })
    const other = await credentialLeaf({ identityCommitment: commitment + 1n, planId: plan.planId, validUntil })
    const leaves = [11n, other, 12n, leaf, 13n]
    const now = Date.UTC(2026, 0, 10) / 1000
    const found = findCredentials({ identityCommitment: commitment, plans: [plan, { ...plan, planId: 4n }], leavesByInsurer: new Map([[insurer.toLowerCase(), leaves]]), now })
    expect(found).toEqual([{ plan, validUntil, leaf, index: 3 }])
    expect(findCredentials({ identityCommitment: commitment, plans: [{ ...plan, closed: true }], leavesByInsurer: new Map([[insurer.toLowerCase(), leaves]]), now })).toEqual([])
    // An expired month is not searched.
    expect(findCredentials({ identityCommitment: commitment, plans: [plan], leavesByInsurer: new Map([[insurer.toLowerCase(), leaves]]), now: Date.UTC(2027, 7, 1) / 1000 })).toEqual([])

    const slot = { slotId: 9n, doctor: insurer, start: Date.UTC(2027, 1, 3) / 1000, duration: 1800, status: 'open' as const, fee: plan.feeCovered, payer: undefined, covered: 0n, insurer: undefined }
    const appointments = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
    const { input, root } = await coverInput({ identitySecret, credential: found[0]!, leaves, slot, k: 1, chainId: 31337, appointments, insurance: insurer, payer: appointments })
    expect(root).toBe((await memberTree(leaves)).root)
    expect(input.period).toBe(visitPeriod(plan, slot.start))
    expect(input.k).toBe(1n)
    await expect(coverInput({ identitySecret, credential: found[0]!, leaves, slot, k: 2, chainId: 31337, appointments, insurance: insurer, payer: appointments })).rejects.toBeInstanceOf(ProofInputError)
    await expect(coverInput({ identitySecret, credential: found[0]!, leaves: [11n, 12n], slot, k: 0, chainId: 31337, appointments, insurance: insurer, payer: appointments })).rejects.toBeInstanceOf(ProofInputError)
  })

  it('picks the first unspent covered visit of the slot’s period, and none when all are spent', async () => {
    const visitStart = 1_900_000_000
    const period = visitPeriod(plan, visitStart)
    const domain = 0xd0d0n
    const spent = new Set([await eligibilityNullifier({ identitySecret, domain, planId: plan.planId, period, k: 0 })])
    const isNullifierUsed = async (n: bigint) => spent.has(n)
    const next = await firstUnusedVisit({ identitySecret, domain, plan, visitStart, isNullifierUsed })
    expect(next?.k).toBe(1)
    spent.add(next!.nullifier)
    expect(await firstUnusedVisit({ identitySecret, domain, plan, visitStart, isNullifierUsed })).toBeUndefined()
    // The next period starts afresh, and so does another deployment.
    expect((await firstUnusedVisit({ identitySecret, domain, plan, visitStart: visitStart + plan.periodLength, isNullifierUsed }))?.k).toBe(0)
    expect((await firstUnusedVisit({ identitySecret, domain: domain + 1n, plan, visitStart, isNullifierUsed }))?.k).toBe(0)
    // A refund gives a visit back (Insurance releases its nullifier): it is found again.
    spent.delete(next!.nullifier)
    expect((await firstUnusedVisit({ identitySecret, domain, plan, visitStart, isNullifierUsed }))?.k).toBe(1)
  })
})

describe('covered booking keys', () => {
  it('are sealed with the vault key and read back only with it', () => {
    const items = new Map<string, string>()
    const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) }
    const account = privateKeyToAccount(generatePrivateKey()).address
    const vaultKey = new Uint8Array(32).fill(7)
    const privateKey = generatePrivateKey()
    const entry = { slotId: 5n, privateKey, address: privateKeyToAccount(privateKey).address, txHash: `0x${'ab'.repeat(32)}` as const }
    saveCoveredBookingKeys(storage, account, vaultKey, [entry, { ...entry, slotId: 6n, txHash: undefined }])
    const stored = [...items.values()][0]!
    expect(stored).not.toContain(privateKey.slice(2))
    expect(loadCoveredBookingKeys(storage, account, vaultKey)).toEqual([entry, { slotId: 6n, privateKey, address: entry.address }])
    expect(loadCoveredBookingKeys(storage, account, new Uint8Array(32).fill(8))).toEqual([])
    items.set([...items.keys()][0]!, stored.slice(0, -2) + '00')
    expect(loadCoveredBookingKeys(storage, account, vaultKey)).toEqual([])
  })
})
