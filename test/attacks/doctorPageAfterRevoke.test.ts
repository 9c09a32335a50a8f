// Attack: a page that lies about access. The patient revokes a grant (or it expires), but
// the doctor's Patients page keeps the badge "Active" and "Open records" enabled, even
// after a reload, so the doctor (or whoever sits at their screen) believes the consent
// still holds and keeps trying. The page must read the grant from the chain on load, on
// reload, periodically and on every refusal, and then say "Revoked" / "Expired", with the
// button disabled and a sentence saying why. Real anvil, care nodes and Vite (the same
// local network of its own, on free ports), a real consent proof made in
// Node, and the doctor's app in Chromium.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { freePort } from '../../src/chain/deploy/freePort.ts'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { submitGrant } from '../../src/chain/consent/submitGrant.ts'
import { submitRevoke } from '../../src/chain/consent/submitRevoke.ts'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { startLocalNetwork, type LocalNetwork } from '../../src/chain/deploy/localNetwork.ts'
import { clientsFor, identitySecretOf, prepareGrant, prepareRevoke } from '../support/consentChain.ts'
import { launchProfile, watchPage } from '../e2e/support/browser.ts'
import { openSection, waitUntilReachable } from '../e2e/support/consentPage.ts'
import { signIn } from '../e2e/support/vaultPage.ts'

let network: LocalNetwork
let doctor: Awaited<ReturnType<typeof launchProfile>>
let page: Page
const errors: string[] = []
const doctorAccount = anvilAccount(2) // Dr. Amara Okafor
const patientKey = anvilAccount(9).privateKey // Bob: his wallet never sends anything here
const relayer = anvilAccount(5).privateKey // any account may submit a revocation

beforeAll(async () => {
  network = await startLocalNetwork({
    // Free ports of its own: the e2e project's network may be up on the SALUS_E2E_* ports.
    chainPort: await freePort(),
    carePorts: [await freePort(), await freePort(), await freePort()],
    appPort: await freePort(),
    withApp: true,
    configPath: join(mkdtempSync(join(tmpdir(), 'salus-attack-')), 'salus.config.json'),
  })
  doctor = await launchProfile()
  page = doctor.context.pages()[0] ?? (await doctor.context.newPage())
  errors.push(...watchPage(page).errors)
  await signIn(page, network.urls.app!, /Amara Okafor/)
  // The page's own transaction (its address in the directory) is done before the test sends any from this account.
  await waitUntilReachable(page)
}, 300_000)
afterAll(async () => {
  await doctor?.dispose()
  await network?.stop()
})

/** A real grant to the doctor, submitted by a relayer, found by the doctor's page on chain. */
async function grantToDoctor(expiry: bigint): Promise<{ grantId: bigint; identitySecret: bigint }> {
  const consent = network.config.contracts.Consent!.address
  const identitySecret = await identitySecretOf(patientKey)
  const prepared = await prepareGrant({
    consent,
    identitySecret,
    grantee: doctorAccount.account.address,
    scopesMask: 1,
    expiry,
    // The page reads only the grant's state: which proxies the bundle names plays no part here.
    proxies: [anvilAccount(3).account.address, anvilAccount(4).account.address],
    threshold: 2,
  })
  // Only the grantee may record a grant: the doctor's key, as the doctor's app would.
  const { walletClient } = clientsFor(network.urls.rpc, doctorAccount.privateKey)
  const { grantId } = await submitGrant(walletClient, {
    consent,
    params: { ...prepared.params, bundleCid: prepared.params.bundleCid.toString() },
    pseudonym: prepared.pseudonym,
    proof: prepared.proof,
  })
  return { grantId, identitySecret }
}

function patientEntry(grantId: bigint) {
  return page.getByRole('article', { name: new RegExp(`^Patient Patient 0x.*\\(grant #${grantId}\\)$`) })
}

describe('the doctor’s page after the patient revokes, or the grant expires', () => {
  it('says Revoked without being asked, disables Open records and says why; the same after a reload', async () => {
    const expiry = BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400)
    const { grantId, identitySecret } = await grantToDoctor(expiry)
    await page.reload()
    await openSection(page, 'Patients')
    const entry = patientEntry(grantId)
    await entry.waitFor({ timeout: 30_000 })
    await entry.getByText('Active', { exact: true }).waitFor({ timeout: 30_000 })
    const open = entry.getByRole('button', { name: /^Open records/ })
    expect(await open.isEnabled()).toBe(true)

    // The patient revokes (a relayer submits it); the doctor does nothing at all.
    const proof = await prepareRevoke({ consent: network.config.contracts.Consent!.address, identitySecret, grantee: doctorAccount.account.address, grantId })
    await submitRevoke(clientsFor(network.urls.rpc, relayer).walletClient, { consent: network.config.contracts.Consent!.address, grantId, proof })

    await entry.getByText('Revoked', { exact: true }).waitFor({ timeout: 20_000 })
    expect(await open.isDisabled()).toBe(true)
    expect(await entry.textContent()).toMatch(/The patient revoked your access/)

    await page.reload()
    await openSection(page, 'Patients')
    await entry.getByText('Revoked', { exact: true }).waitFor({ timeout: 20_000 })
    expect(await entry.getByRole('button', { name: /^Open records/ }).isDisabled()).toBe(true)
    expect(await entry.textContent()).toMatch(/The patient revoked your access/)
  })

  it('says Expired once the grant’s expiry passes, without being asked, with Open records disabled', async () => {
    const expiry = BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400)
    const { grantId } = await grantToDoctor(expiry)
    await page.reload()
    await openSection(page, 'Patients')
    const entry = patientEntry(grantId)
    await entry.getByText('Active', { exact: true }).waitFor({ timeout: 30_000 })
    try {
      // 40 days later on the page's clock (the chain keeps real time for the grant above).
      await page.clock.setSystemTime(Date.now() + 40 * 86_400_000)
      await entry.getByText('Expired', { exact: true }).waitFor({ timeout: 20_000 })
      expect(await entry.getByRole('button', { name: /^Open records/ }).isDisabled()).toBe(true)
      expect(await entry.textContent()).toMatch(/access to these records has expired/)
    } finally {
      await page.clock.setSystemTime(Date.now()).catch(() => {})
    }
  })

  it('raised no page errors', () => {
    expect(errors.filter((error) => error.startsWith('pageerror'))).toEqual([])
  })
})
