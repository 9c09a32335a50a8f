// Key derivation in Chromium against the real local network: the Salus passkey (a
// virtual authenticator with PRF) synced to a fresh profile rebuilds the same keys,
// rotation moves to the next version (and each grant with it: the doctor is sent a new
// consent, the old grant ends) and a new device follows it, a wallet that signs
// differently each time is stopped with a sentence, and a demo account passes the
// first-use check.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { generatePrivateKey } from 'viem/accounts'
import { launchBrowser, watchPage } from './support/browser.ts'
import { addVirtualAuthenticator, type VirtualAuthenticator, type VirtualCredential } from './support/passkey.ts'
import { installTestWallet } from './support/testWallet.ts'
import { identityCode, signInWithWallet } from './support/walletSignIn.ts'
import { addRecord, recordButton, signIn } from './support/vaultPage.ts'
import { acceptConsent, openPatient, openSection, sharedRecords, shareWith, untilOrAlert, waitUntilReachable } from './support/consentPage.ts'

const appUrl = inject('appUrl')
let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

/** A new device: its own profile (storage, IndexedDB), the person's wallet key, and a passkey provider. */
async function device(privateKey: `0x${string}`, options: { randomized?: boolean } = {}) {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const wallet = await installTestWallet(context, { privateKey, name: 'Patient Wallet', ...options })
  const page: Page = await context.newPage()
  const { errors } = watchPage(page)
  const authenticator: VirtualAuthenticator = await addVirtualAuthenticator(page)
  await page.goto(appUrl)
  return { context, wallet, page, authenticator, errors }
}

/**
 * Wipes everything the origin stored (local storage, IndexedDB, caches) and reloads: a
 * profile that never ran Salus, with the same passkey provider. Sent on the
 * authenticator's own CDP session: detaching a second session ends the WebAuthn environment.
 */
async function freshProfile(page: Page, authenticator: VirtualAuthenticator): Promise<void> {
  await page.goto('about:blank')
  await authenticator.cdp.send('Storage.clearDataForOrigin', { origin: new URL(appUrl).origin, storageTypes: 'all' })
  await page.goto(appUrl)
}

async function keyRecord(page: Page, address: string): Promise<{ keyVersion: number; credentialId?: string; checked: boolean }> {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null'), `salus:keys:${address.toLowerCase()}`)
}

describe('keys bound to the Salus passkey', () => {
  it('rebuilds the same identity on a fresh profile from the synced passkey, and follows a rotation', async () => {
    const privateKey = generatePrivateKey()
    const first = await device(privateKey)
    await signInWithWallet(first.page, 'Patient Wallet', 'create')
    // First use: the passkey, then the wallet twice (the determinism check).
    expect(first.wallet.signatures).toBe(2)
    expect(await keyRecord(first.page, first.wallet.address)).toMatchObject({ keyVersion: 1, checked: true })
    await addRecord(first.page, 'Condition', { Condition: 'Asthma' })
    const identityV1 = await identityCode(first.page)
    const passkeyV1: VirtualCredential[] = await first.authenticator.credentials()
    expect(passkeyV1).toHaveLength(1)

    // A fresh profile whose passkey provider has the synced passkey. Chromium's CDP exports a
    // credential without its PRF secret (WebAuthn.Credential has no field for it), so the
    // provider stays this tab's authenticator while everything Salus kept is wiped.
    await freshProfile(first.page, first.authenticator)
    expect(await keyRecord(first.page, first.wallet.address)).toBeNull()
    await signInWithWallet(first.page, 'Patient Wallet', 'existing')
    expect(first.wallet.signatures).toBe(4)
    expect(await identityCode(first.page)).toBe(identityV1)

    // Signing in again on the same profile: one signature, no second check.
    await first.page.getByRole('button', { name: 'Sign out' }).click()
    await signInWithWallet(first.page, 'Patient Wallet')
    expect(first.wallet.signatures).toBe(5)
    expect(await identityCode(first.page)).toBe(identityV1)

    // Rotation: a new passkey for version 2, the records re-sealed, a new identity.
    await first.page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Records', exact: true }).click()
    await addRecord(first.page, 'Condition', { Condition: 'Hay fever' })
    await first.page.getByRole('button', { name: 'Rotate my keys' }).click()
    await first.page.getByRole('button', { name: 'Rotate to version 2' }).click()
    const done = first.page.getByTestId('rotation-done')
    await done.or(first.page.getByRole('alert').filter({ hasText: /\S/ })).first().waitFor({ timeout: 120_000 })
    expect(await done.textContent()).toMatch(/now version 2; 1 record was sealed again.*delete the old passkey/)
    await expect.poll(() => first.page.getByTestId('key-version').textContent()).toMatch(/Keys version 2\./)
    await recordButton(first.page, /Hay fever/).waitFor({ timeout: 30_000 })
    expect(await keyRecord(first.page, first.wallet.address)).toMatchObject({ keyVersion: 2, checked: true })
    const identityV2 = await identityCode(first.page)
    expect(identityV2).not.toBe(identityV1)

    // The patient deletes the old passkey, as the rotation notice says; a new device then learns
    // version 2 from the passkey it is given and rebuilds version 2.
    const all = await first.authenticator.credentials()
    expect(all).toHaveLength(2)
    await first.authenticator.cdp.send('WebAuthn.removeCredential', { authenticatorId: first.authenticator.authenticatorId, credentialId: passkeyV1[0]!.credentialId })
    await freshProfile(first.page, first.authenticator)
    await signInWithWallet(first.page, 'Patient Wallet', 'existing')
    expect(await identityCode(first.page)).toBe(identityV2)
    expect(await keyRecord(first.page, first.wallet.address)).toMatchObject({ keyVersion: 2 })
    expect(first.errors.filter((e) => !/Failed to load resource|WebSocket|webrtc/i.test(e))).toEqual([])

    // A passkey that carries no PRF secret (here: the exported credential in another profile)
    // is refused with a sentence, never turned into another identity.
    const other = await device(privateKey)
    await other.authenticator.add(passkeyV1[0]!)
    await expect(signInWithWallet(other.page, 'Patient Wallet', 'existing')).rejects.toThrow(/does not support the passkey extension \(PRF\)/)
    await other.context.close()
    await first.context.close()
  })

  it('moves a second device to the version another device rotated to, with that device\'s passkey', async () => {
    const privateKey = generatePrivateKey()
    const device2 = await device(privateKey)
    await signInWithWallet(device2.page, 'Patient Wallet', 'create')
    await addRecord(device2.page, 'Condition', { Condition: 'Asthma' })
    const [passkeyV1] = await device2.authenticator.credentials()
    // The other device rotated: its version-2 passkey (account and version in the user handle) syncs here.
    const made = await device2.page.evaluate(async (address) => {
      const handle = new Uint8Array(24)
      handle.set(address.slice(2).match(/../g)!.map((byte) => parseInt(byte, 16)))
      new DataView(handle.buffer).setUint32(20, 2)
      const credential = (await navigator.credentials.create({
        publicKey: {
          rp: { name: 'Salus' },
          user: { id: handle, name: 'Salus (keys v2)', displayName: 'Salus (keys v2)' },
          challenge: crypto.getRandomValues(new Uint8Array(32)),
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
          authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
          extensions: { prf: {} },
        } as PublicKeyCredentialCreationOptions,
      })) as PublicKeyCredential
      return (credential.getClientExtensionResults() as { prf?: { enabled?: boolean } }).prf?.enabled === true
    }, device2.wallet.address)
    expect(made).toBe(true)
    // Keep the chooser to one passkey: the version-1 one is gone from the provider (the vault is open with its keys).
    await device2.authenticator.cdp.send('WebAuthn.removeCredential', { authenticatorId: device2.authenticator.authenticatorId, credentialId: passkeyV1!.credentialId })

    await device2.page.getByRole('button', { name: 'Rotate my keys' }).click()
    await device2.page.getByRole('button', { name: 'I rotated on another device: use that passkey' }).click()
    const done = device2.page.getByTestId('rotation-done')
    await done.or(device2.page.getByRole('alert').filter({ hasText: /\S/ })).first().waitFor({ timeout: 120_000 })
    expect(await done.textContent()).toMatch(/now version 2; 1 record was sealed again/)
    await recordButton(device2.page, /Asthma/).waitFor({ timeout: 30_000 })
    const rotatedIdentity = await identityCode(device2.page)

    // A fresh profile with that passkey rebuilds the very same version-2 identity.
    await freshProfile(device2.page, device2.authenticator)
    await signInWithWallet(device2.page, 'Patient Wallet', 'existing')
    expect(await identityCode(device2.page)).toBe(rotatedIdentity)
    await device2.context.close()
  })

  it('moves a grant to the new keys: the doctor is sent a new consent to accept, and the old grant ends', async () => {
    const doctorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const doctorPage = await doctorContext.newPage()
    await signIn(doctorPage, appUrl, /Sofia Rossi/)
    await waitUntilReachable(doctorPage)
    const patient = await device(generatePrivateKey())
    await signInWithWallet(patient.page, 'Patient Wallet', 'create')
    await addRecord(patient.page, 'Allergy', { Substance: 'Penicillin' })
    await shareWith(patient.page, 'Dr. Sofia Rossi', ['Allergies'], 'Before rotation')
    await untilOrAlert(patient.page, patient.page.getByText('Consent sent to Dr. Sofia Rossi'), 180_000)
    await acceptConsent(doctorPage, 'Before rotation')

    await openSection(patient.page, 'Records')
    await patient.page.getByRole('button', { name: 'Rotate my keys' }).click()
    expect(await patient.page.getByTestId('rotation-grants').textContent()).toMatch(/each doctor you share with receives a new consent[\s\S]*the old grant ends/)
    await patient.page.getByRole('button', { name: 'Rotate to version 2' }).click()
    const done = patient.page.getByTestId('rotation-done')
    await done.or(patient.page.getByRole('alert').filter({ hasText: /\S/ })).first().waitFor({ timeout: 300_000 })
    expect(await done.textContent()).toMatch(/now version 2;[\s\S]*1 doctor was sent a new consent under the new keys: access goes on once they accept it\. 1 old grant was ended\./)

    // The patient sees the new consent among those sent, delivered.
    await openSection(patient.page, 'Sharing')
    const sent = patient.page.getByRole('region', { name: 'Consents sent' }).getByRole('listitem').filter({ hasText: 'Dr. Sofia Rossi' })
    await expect.poll(() => sent.first().textContent(), { timeout: 30_000 }).toMatch(/Delivered: waiting for the doctor to accept it/)

    // The doctor: the old grant says it was revoked; the new consent opens the re-sealed record.
    await openSection(doctorPage, 'Patients')
    const old = doctorPage.getByRole('article', { name: 'Patient Before rotation' })
    await expect.poll(() => old.textContent(), { timeout: 60_000 }).toMatch(/revoked/i)
    const incoming = doctorPage.getByRole('article', { name: /^Consent from / })
    await incoming.waitFor({ timeout: 60_000 })
    const label = ((await incoming.getAttribute('aria-label')) ?? '').replace(/^Consent from /, '')
    expect(label).not.toBe('')
    await acceptConsent(doctorPage, label)
    expect(await openPatient(doctorPage, label)).toBe('')
    // Right after the grant the care nodes may not have read it yet and serve no list: the doctor opens again.
    await expect.poll(async () => (await openPatient(doctorPage, label), sharedRecords(doctorPage).allTextContents()), { timeout: 90_000, interval: 3_000 }).toEqual(['Penicillin'])
    await patient.context.close()
    await doctorContext.close()
  })

  it('stops a wallet that signs differently each time, before opening anything', async () => {
    const randomized = await device(generatePrivateKey(), { randomized: true })
    await expect(signInWithWallet(randomized.page, 'Patient Wallet', 'create')).rejects.toThrow(/two different signatures/)
    expect(randomized.wallet.signatures).toBe(2)
    expect(await randomized.page.getByRole('navigation', { name: 'Sections' }).count()).toBe(0)
    expect(await keyRecord(randomized.page, randomized.wallet.address)).toBeNull()
    await randomized.context.close()
  })

  it('lets a demo account of the local network in without a passkey, after the same first-use check', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    await signIn(page, appUrl, /Alice/)
    const address = await page.locator('header .who .mono').getAttribute('title')
    expect(await keyRecord(page, address!)).toEqual({ keyVersion: 1, checked: true })
    await expect.poll(() => page.getByTestId('key-version').textContent()).toMatch(/demo account/)
    await context.close()
  })
})
