// The QR glue in Chromium (src/ui/qr/qrCanvas.ts): a code drawn to a canvas and saved as a
// PNG (the lock-screen image) is read back from that file as the responder page reads an
// image, through createImageBitmap, an OffscreenCanvas and the pure decoder.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchProfile } from './support/browser.ts'

const appUrl = inject('appUrl')
let profile: Awaited<ReturnType<typeof launchProfile>>
let page: Page

beforeAll(async () => {
  profile = await launchProfile()
  page = profile.context.pages()[0] ?? (await profile.context.newPage())
  await page.goto(appUrl)
})
afterAll(async () => {
  await profile?.dispose()
})

describe('QR codes in the browser', () => {
  it('renders a PNG and reads it back from the file; says so when a picture holds no code', async () => {
    const text = `shlink:/${'eyJ1cmwiOiJodHRwczovL2NhcmUuZXhhbXBsZS5vcmcvc2hsL0FBQUEifQ'.repeat(5)}`
    // The dev server serves src/ as the root, so the module loads as the app loads it.
    await page.addScriptTag({ type: 'module', content: "import * as qr from '/ui/qr/qrCanvas.ts'; globalThis.salusQr = qr" })
    await page.waitForFunction(() => 'salusQr' in globalThis)
    const result = await page.evaluate(async (payload) => {
      const qr = (globalThis as unknown as { salusQr: typeof import('../../src/ui/qr/qrCanvas.ts') }).salusQr
      const png = await qr.renderQrPng(payload, { scale: 6, ecc: 'Q' })
      const read = await qr.decodeQrFile(png)
      const blank = new OffscreenCanvas(300, 200)
      const context = blank.getContext('2d')!
      context.fillStyle = '#888'
      context.fillRect(0, 0, 300, 200)
      let refusal = ''
      try {
        await qr.decodeQrFile(await blank.convertToBlob({ type: 'image/png' }))
      } catch (error) {
        refusal = (error as Error).name
      }
      let notImage = ''
      try {
        await qr.decodeQrFile(new Blob(['not a picture'], { type: 'image/png' }))
      } catch (error) {
        notImage = (error as Error).name
      }
      return { type: png.type, size: png.size, read, refusal, notImage }
    }, text)
    expect(result.type).toBe('image/png')
    expect(result.size).toBeGreaterThan(500)
    expect(result.read).toBe(text)
    expect(result.refusal).toBe('QrNotFoundError')
    expect(result.notImage).toBe('QrImageInvalidError')
  })
})
