/**
 * Attack: a phishing site gets the patient's keys. The site serves a copy of the Salus
 * app (here: the very same app, from a second origin, http://127.0.0.1 instead of
 * http://localhost) and asks the patient's wallet for the key-derivation signature. The
 * wallet shows the request and the patient, used to signing it at Salus, approves. If
 * every key came from that one signature, the site now holds the patient's identity
 * secret (the same identity commitment), vault key and scope keys. The patient's
 * passkey is in the same browser and password manager, so the site may also ask it.
 * The site's own script can also ask the wallet directly, for any key version. A second
 * case serves the copy from a look-alike domain (http://salus-phish.test), where the
 * browser allows passkeys, so the copy can make a passkey of its own. The
 * patient loses nothing if the copy on the foreign origin ends with a different identity
 * or none, if the signatures the site collects derive a different identity, and if the
 * foreign origin cannot evaluate the Salus passkey.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { generatePrivateKey } from 'viem/accounts'
import type { Hex } from 'viem'
import { deriveKeys, keyDerivationTypedData } from '../../src/core/keys/deriveKeys.ts'
import { identityCardText } from '../../src/ui/state/appointments/identityCard.ts'
import { identityCommitment } from '../../src/zk/identity.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalNetwork, type LocalNetwork } from '../../src/chain/deploy/localNetwork.ts'
import { launchBrowser, watchPage } from '../e2e/support/browser.ts'
import { addVirtualAuthenticator, type VirtualAuthenticator } from '../e2e/support/passkey.ts'
import { installTestWallet } from '../e2e/support/testWallet.ts'
import { signInWithWallet, identityCode } from '../e2e/support/walletSignIn.ts'
import { freePort } from '../../src/chain/deploy/freePort.ts'

let network: LocalNetwork
let browser: Browser
let appPort: number
const phishingHost = 'salus-phish.test'

beforeAll(async () => {
  appPort = await freePort()
  network = await startLocalNetwork({
    chainPort: await freePort(),
    carePorts: [await freePort(), await freePort(), await freePort()],
    appPort,
    withApp: true,
    configPath: join(mkdtempSync(join(tmpdir(), 'salus-attack-')), 'salus.config.json'),
    log: (line) => process.env.SALUS_E2E_VERBOSE && console.log(`[net] ${line}`),
  })
  // The look-alike domain counts as a secure context (as it would over https), so WebAuthn is allowed there.
  browser = await launchBrowser([`--unsafely-treat-insecure-origin-as-secure=http://${phishingHost}:${appPort}`])
}, 240_000)

afterAll(async () => {
  await browser?.close()
  await network?.stop()
})

/** The look-alike domain serves the same app: its requests are answered from the real server (a reverse proxy). */
async function serveLookAlike(context: BrowserContext): Promise<string> {
  const origin = `http://${phishingHost}:${appPort}`
  await context.route(`${origin}/**`, async (route) => {
    const response = await route.fetch({ url: route.request().url().replace(origin, `http://localhost:${appPort}`) })
    await route.fulfill({ response })
  })
  // A public-looking origin calling the loopback RPC is held back by Chromium's private
  // network checks on some hosts; the phishing copy would reach the chain through its own
  // RPC anyway, so its chain calls are answered from here.
  await context.route(`${network.config.rpcUrl}/**`, async (route) => route.fulfill({ response: await route.fetch() }))
  await context.route(network.config.rpcUrl, async (route) => route.fulfill({ response: await route.fetch() }))
  return `${origin}/`
}

async function askSalusPasskey(page: Page, credentialId: string, rpId: string | undefined): Promise<string> {
  return page.evaluate(
    async ({ id, rpId }) => {
      const rawId = Uint8Array.from(atob(id.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
      try {
        const credential = (await navigator.credentials.get({
          publicKey: {
            challenge: crypto.getRandomValues(new Uint8Array(32)),
            ...(rpId ? { rpId } : {}),
            allowCredentials: [{ type: 'public-key', id: rawId }],
            timeout: 5_000,
            extensions: { prf: { eval: { first: new TextEncoder().encode('salus/passkey-prf/v1') } } },
          } as PublicKeyCredentialRequestOptions,
        })) as PublicKeyCredential | null
        return credential ? 'got a credential' : 'nothing'
      } catch (error) {
        return `refused: ${(error as Error).name}`
      }
    },
    { id: credentialId, rpId },
  )
}

async function open(context: BrowserContext, url: string): Promise<{ page: Page; authenticator: VirtualAuthenticator }> {
  const page = await context.newPage()
  watchPage(page)
  const authenticator = await addVirtualAuthenticator(page)
  await page.goto(url)
  return { page, authenticator }
}

describe('a page on another origin asks for the key signature', () => {
  it('gets neither the patient identity nor the passkey output', async () => {
    const salus = `http://localhost:${appPort}/`
    const phishing = `http://127.0.0.1:${appPort}/`
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const wallet = await installTestWallet(context, { privateKey: generatePrivateKey(), name: 'Patient Wallet' })

    // The patient at Salus: wallet sign-in (a passkey is made if Salus asks for one).
    const real = await open(context, salus)
    await signInWithWallet(real.page, 'Patient Wallet')
    const patientIdentity = await identityCode(real.page)
    expect(patientIdentity).toMatch(/^salusid1[02-9ac-hj-np-z]{50,}$/)
    const passkeys = await real.authenticator.credentials()

    // The same person, same browser and wallet, on the phishing copy. The password
    // manager offers the same passkeys to every site, so the page's authenticator has them.
    const fake = await open(context, phishing)
    for (const credential of passkeys) await fake.authenticator.add(credential)
    let phishedIdentity: string | undefined
    try {
      await signInWithWallet(fake.page, 'Patient Wallet')
      phishedIdentity = await identityCode(fake.page)
    } catch (error) {
      phishedIdentity = undefined
      console.log(`phishing copy got no identity: ${(error as Error).message.split('\n')[0]}`)
    }
    console.log(`patient identity ${patientIdentity}; phishing copy ${phishedIdentity ?? '(none)'}`)
    expect(phishedIdentity).not.toBe(patientIdentity)

    // The phishing page's own script asks the wallet for the key signature of versions 1 to 3; the wallet signs.
    const collected: Hex[] = []
    for (const keyVersion of [1, 2, 3]) {
      const typedData = keyDerivationTypedData(wallet.address, keyVersion)
      collected.push(
        await fake.page.evaluate(
          async ({ address, json }) => {
            const provider = await new Promise<{ request(args: unknown): Promise<unknown> }>((resolve) => {
              window.addEventListener('eip6963:announceProvider', (event) => resolve((event as CustomEvent).detail.provider), { once: true })
              window.dispatchEvent(new Event('eip6963:requestProvider'))
            })
            return (await provider.request({ method: 'eth_signTypedData_v4', params: [address, json] })) as Hex
          },
          { address: wallet.address, json: JSON.stringify(typedData) },
        ),
      )
    }
    expect(wallet.origins).toContain(new URL(phishing).origin)
    const derived = await Promise.all(
      collected.map(async (signature, i) => identityCardText(await identityCommitment(deriveKeys(signature, { keyVersion: i + 1 }).identitySecret))),
    )
    console.log(`identities the phishing page derives from the signatures it collected: ${derived.join(', ')}`)
    expect(derived).not.toContain(patientIdentity)

    // The phishing page's own script asks the passkey directly, naming Salus as the relying party.
    for (const credential of passkeys) expect(await askSalusPasskey(fake.page, credential.credentialId, 'localhost')).toMatch(/^refused: (SecurityError|NotAllowedError)$/)
    await context.close()
  })

  it('on a look-alike domain where passkeys work, ends with another identity and cannot use the Salus passkey', async () => {
    const privateKey = generatePrivateKey()
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await installTestWallet(context, { privateKey, name: 'Patient Wallet' })
    const real = await open(context, `http://localhost:${appPort}/`)
    await signInWithWallet(real.page, 'Patient Wallet')
    const patientIdentity = await identityCode(real.page)
    const passkeys = await real.authenticator.credentials()

    // The copy signs the patient in (making a passkey of its own for its domain if the app asks): not the patient's identity.
    const lookAlike = await serveLookAlike(context)
    const fake = await open(context, lookAlike)
    for (const credential of passkeys) await fake.authenticator.add(credential)
    await signInWithWallet(fake.page, 'Patient Wallet', 'create')
    const phishedIdentity = await identityCode(fake.page)
    console.log(`patient identity ${patientIdentity}; look-alike domain ${phishedIdentity}`)
    expect(phishedIdentity).toMatch(/^salusid1[02-9ac-hj-np-z]{50,}$/)
    expect(phishedIdentity).not.toBe(patientIdentity)
    for (const credential of passkeys) {
      expect(await askSalusPasskey(fake.page, credential.credentialId, 'localhost')).toBe('refused: SecurityError')
      expect(await askSalusPasskey(fake.page, credential.credentialId, undefined)).toBe('refused: NotAllowedError')
    }

    // On a profile new to the copy, "Use my passkey from another device": the Salus passkey is not offered to this domain.
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await installTestWallet(other, { privateKey, name: 'Patient Wallet' })
    await serveLookAlike(other)
    const second = await open(other, lookAlike)
    for (const credential of passkeys) await second.authenticator.add(credential)
    await expect(signInWithWallet(second.page, 'Patient Wallet', 'existing')).rejects.toThrow(/No Salus passkey was used/)
    for (const ctx of [context, other]) {
      await ctx.unrouteAll({ behavior: 'ignoreErrors' })
      await ctx.close()
    }
  })
})
