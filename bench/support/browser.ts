// Chromium for the browser benchmarks: Debian's Chromium through playwright-core (never a
// downloaded browser), with the flags the e2e tests use (test/e2e/support/browser.ts).
import { chromium, type Browser } from 'playwright-core'

const executablePath = process.env.SALUS_CHROMIUM ?? '/usr/bin/chromium'
const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath, args, headless: true })
}
