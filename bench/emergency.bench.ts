// Emergency cards in Chromium, through the app's own pages, on a local network of its own
// (anvil, three care nodes as relays, proxies and SHL servers, Vite) on spare ports.
//   emergency.scan_to_summary_ms  responder page: from the QR decoded (image file) to the full
//                                 summary on screen, the patient's tab closed, break-glass
//                                 transaction and proxy reads included, the time the responder
//                                 takes to confirm left out; median of 10 (target ≤ 2000)
//   emergency.open_card_ms        open card: from the QR decoded to the summary on screen (SHL
//                                 file fetched from a care node and decrypted); median of 10 (target ≤ 500)
// Alice publishes both cards from the Emergency card page (real consent proofs); Paramedic
// Jonas Berg (a responder certified by City EMS) reads them from the Respond page. The times
// are the page's own performance.now() marks (ResponderState.timing).
import { mkdtempSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { freePort } from '../src/chain/deploy/freePort.ts'
import { startLocalNetwork, type LocalNetwork } from '../src/chain/deploy/localNetwork.ts'
import { median, type Benchmark } from './support/benchmark.ts'
import { launchBrowser } from './support/browser.ts'

type Stack = { network: LocalNetwork; browser: Browser; responder: Page; protectedCard: Buffer; openCard: Buffer }

const runs = 10
let stack: Promise<Stack> | undefined

async function signIn(page: Page, appUrl: string, label: RegExp): Promise<void> {
  await page.goto(appUrl)
  await page.getByRole('article', { name: label }).getByRole('button', { name: 'Use this account' }).click()
  await page.getByRole('button', { name: 'Add record' }).waitFor({ timeout: 120_000 })
}

async function openSection(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click()
  await page.getByRole('heading', { level: 1, name }).waitFor({ timeout: 120_000 })
}

async function addRecord(page: Page, kind: string, fields: Record<string, string>): Promise<void> {
  await page.getByRole('button', { name: 'Add record' }).click()
  await page.getByRole('tab', { name: kind, exact: true }).click()
  for (const [label, value] of Object.entries(fields)) await page.getByRole('dialog').locator('form').getByLabel(new RegExp(`^${label}\\s*\\*?$`)).fill(value)
  await page.getByRole('button', { name: 'Save record' }).click()
  await page.getByRole('button', { name: 'Save record' }).waitFor({ state: 'detached', timeout: 120_000 })
}

/** Publishes (or republishes) the card and returns its QR as the patient saves it. */
async function publish(page: Page): Promise<Buffer> {
  await page.getByRole('button', { name: /^(Publish|Update) card$/ }).click()
  const done = page.getByTestId('emergency-status').or(page.getByRole('alert'))
  await done.first().waitFor({ timeout: 300_000 })
  const status = (await page.getByTestId('emergency-status').textContent().catch(() => '')) ?? ''
  if (!/published/.test(status)) throw new Error(`publishing failed: ${await page.getByRole('alert').first().textContent()}`)
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save QR image' }).click()])
  return readFile((await download.path())!)
}

function stackUp(): Promise<Stack> {
  stack ??= (async () => {
    const network = await startLocalNetwork({
      chainPort: await freePort(),
      carePorts: [await freePort(), await freePort(), await freePort()],
      appPort: await freePort(),
      withApp: true,
      configPath: join(mkdtempSync(join(tmpdir(), 'salus-bench-emergency-')), 'salus.config.json'),
      log: () => {},
    })
    const browser = await launchBrowser()
    const appUrl = network.urls.app!
    const patient = await (await browser.newContext({ acceptDownloads: true })).newPage()
    await signIn(patient, appUrl, /Alice/)
    await addRecord(patient, 'Allergy', { Substance: 'Penicillin', Reaction: 'Anaphylaxis' })
    await addRecord(patient, 'Medication', { 'Medication name': 'Metformin', Dose: '500 mg', 'How often': 'twice daily' })
    await addRecord(patient, 'Condition', { Condition: 'Type 2 diabetes' })
    await openSection(patient, 'Emergency card')
    await patient.getByLabel('Blood group').selectOption('A+')
    const protectedCard = await publish(patient)
    // A second card, open: any QR reader's holder reads it, no account, no break-glass.
    await patient.getByRole('switch', { name: 'Open card' }).check()
    const openCard = await publish(patient)
    // The patient's device is off from here on.
    await patient.context().close()

    const responder = await (await browser.newContext()).newPage()
    await signIn(responder, appUrl, /Jonas Berg/)
    await openSection(responder, 'Respond')
    return { network, browser, responder, protectedCard, openCard }
  })()
  return stack
}

type Timing = { decoded: number; asked: number; confirmed: number; shown: number }

async function timing(page: Page): Promise<Timing> {
  const marks = page.getByTestId('responder-timing')
  await marks.waitFor({ state: 'attached', timeout: 120_000 })
  const read = async (name: string) => Number((await marks.getAttribute(`data-${name}`)) ?? NaN)
  return { decoded: await read('decoded'), asked: await read('asked'), confirmed: await read('confirmed'), shown: await read('shown') }
}

async function scanOnce(page: Page, image: Buffer, breakGlass: boolean): Promise<number> {
  await page.getByLabel('Card image file').setInputFiles({ name: 'card.png', mimeType: 'image/png', buffer: image })
  if (breakGlass) {
    await page.getByRole('button', { name: 'Read full summary' }).click({ timeout: 30_000 })
    await page.getByRole('alertdialog').getByRole('button', { name: 'Read the summary' }).click()
  }
  const alert = page.getByRole('alert')
  const marks = page.getByTestId('responder-timing')
  await marks.or(alert).first().waitFor({ state: 'attached', timeout: 120_000 })
  if (await alert.isVisible()) throw new Error(`the responder page said: ${await alert.textContent()}`)
  const t = await timing(page)
  await page.getByRole('button', { name: 'Next patient' }).click()
  // The responder's confirmation is a person's time, not the system's.
  return breakGlass ? t.shown - t.decoded - (t.confirmed - t.asked) : t.shown - t.decoded
}

async function stop(): Promise<void> {
  const current = await stack
  stack = undefined
  await current?.browser.close().catch(() => {})
  await current?.network.stop()
}

const prefix = process.env.SALUS_BENCH_FILTER ?? ''
function lastRun(name: string, run: () => Promise<number>): () => Promise<number> {
  return async () => {
    try {
      return await run()
    } finally {
      const ours = benchmarks.filter((bench) => bench.name.startsWith(prefix)).map((bench) => bench.name)
      if (ours.at(-1) === name) await stop()
    }
  }
}

async function series(image: (stack: Stack) => Buffer, breakGlass: boolean): Promise<number> {
  const current = await stackUp()
  // One warm-up: the first read loads the proxies' caches and the page's modules.
  await scanOnce(current.responder, image(current), breakGlass)
  const values: number[] = []
  for (let i = 0; i < runs; i++) values.push(await scanOnce(current.responder, image(current), breakGlass))
  console.log(`  ${breakGlass ? 'scan_to_summary' : 'open_card'} runs (ms): ${values.map((v) => v.toFixed(0)).join(', ')}`)
  return median(values)
}

const benchmarks: Benchmark[] = [
  {
    name: 'emergency.scan_to_summary_ms',
    about: 'Chromium responder page: QR decoded → full summary on screen, patient offline, break-glass tx + 2-of-3 proxy reads, confirmation time excluded; median of 10',
    unit: 'ms',
    better: 'lower',
    target: 2000,
    run: lastRun('emergency.scan_to_summary_ms', () => series((s) => s.protectedCard, true)),
  },
  {
    name: 'emergency.open_card_ms',
    about: 'Chromium responder page: open card, QR decoded → summary on screen (SHL JWE fetched from a care node, decrypted); median of 10',
    unit: 'ms',
    better: 'lower',
    target: 500,
    run: lastRun('emergency.open_card_ms', () => series((s) => s.openCard, false)),
  },
]

export default benchmarks
