// Signing in with an injected wallet (see testWallet.ts) and the Salus passkey step.
import type { Page } from 'playwright-core'

/**
 * Clicks the wallet's card, then answers the passkey step when Salus shows it: `create`
 * makes the first passkey on this device, `existing` uses one synced from another device.
 * Resolves once the signed-in shell shows; an error shown instead fails with its text.
 */
export async function signInWithWallet(page: Page, walletName: string, passkey: 'create' | 'existing' = 'create'): Promise<void> {
  await page.getByRole('article', { name: walletName }).getByRole('button', { name: 'Use this account' }).click()
  const shell = page.getByRole('navigation', { name: 'Sections' })
  const step = page.getByRole('button', { name: passkey === 'create' ? 'Create my Salus passkey' : 'Use my passkey from another device' })
  const alert = page.getByRole('alert').filter({ hasText: /\S/ })
  await shell.or(step).or(alert).first().waitFor({ timeout: 60_000 })
  if (await step.isVisible()) {
    await step.click()
    await shell
      .or(alert)
      .first()
      .waitFor({ timeout: 60_000 })
      .catch(async (error: Error) => {
        const status = await page.getByRole('status').allTextContents()
        throw new Error(`${error.message.split('\n')[0]}; the page says: ${status.join(' | ')}`)
      })
  }
  if (!(await shell.isVisible())) throw new Error(`the page shows an error: ${(await alert.allTextContents()).join(' | ')}`)
}

/** The identity code on the patient's insurance card (Appointments), e.g. "salus-id:0x…". */
export async function identityCode(page: Page): Promise<string> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Appointments', exact: true }).click()
  const code = page.getByTestId('identity-commitment').filter({ hasText: /salusid1[02-9ac-hj-np-z]{50,}/ })
  await code.waitFor({ timeout: 60_000 })
  return ((await code.textContent()) ?? '').trim()
}
