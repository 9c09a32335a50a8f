import { describe, expect, it } from 'vitest'
import { decodeQrImage, QrImageInvalidError, QrNotFoundError } from '../../src/core/qr/decodeQr.ts'
import { qrMatrix, QrTooLongError, renderQrPixels, renderQrSvg, type RgbaImage } from '../../src/core/qr/renderQr.ts'
import { photoLike } from '../support/photoLike.ts'

/** Text of `length` characters in byte mode (mixed case, like a base64url payload), deterministic. */
function payload(length: number, seed = length): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let state = seed
  let text = 'shlink:/'
  while (text.length < length) {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    text += alphabet[state % 64]
  }
  return text
}

/** Fills the rectangles of renderQrSvg's one path back into pixels, one pixel a module. */
function rasteriseSvg(svg: string): RgbaImage {
  const side = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1])
  const path = /<path fill="#000" d="([^"]*)"/.exec(svg)?.[1] ?? ''
  const scale = 4
  const width = side * scale
  const data = new Uint8ClampedArray(width * width * 4).fill(255)
  for (const [, x, y, w] of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let py = Number(y) * scale; py < (Number(y) + 1) * scale; py++) {
      for (let px = Number(x) * scale; px < (Number(x) + Number(w)) * scale; px++) data.fill(0, (py * width + px) * 4, (py * width + px) * 4 + 3)
    }
  }
  return { width, height: width, data }
}

describe('QR encode → pixels → decode', () => {
  it.each(['L', 'M', 'Q', 'H'] as const)('round-trips at error correction %s', (ecc) => {
    for (const text of ['HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N', payload(300), 'Ünïcødé: 血型 A+, allergie à la pénicilline']) {
      expect(decodeQrImage(renderQrPixels(text, { ecc, scale: 3 }))).toBe(text)
    }
  })

  it('renders an SVG whose modules are the symbol (decoded from the SVG path)', () => {
    const text = payload(200)
    const svg = renderQrSvg(text, { ecc: 'Q' })
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(decodeQrImage(rasteriseSvg(svg))).toBe(text)
    // Higher error correction makes a bigger symbol for the same text.
    expect(qrMatrix(text, { ecc: 'H' }).version).toBeGreaterThan(qrMatrix(text, { ecc: 'L' }).version)
  })

  it('reads photo-like pictures: scaled down and up, rotated 3–8°, noisy, low contrast, off-centre in a bigger picture', () => {
    const text = payload(300)
    const source = renderQrPixels(text, { scale: 4 })
    const cases = [
      { scale: 0.6, angleDegrees: 3, noise: 10 },
      { scale: 0.8, angleDegrees: -5, noise: 14, dark: 70, light: 180 },
      { scale: 1.7, angleDegrees: 8, noise: 18, shading: 60 },
      { scale: 2.2, angleDegrees: -7, noise: 12, dark: 60, light: 170, centre: [0.45, 0.5] as [number, number] },
      { scale: 1.2, angleDegrees: 6, noise: 20, dark: 80, light: 200, shading: 40, centre: [0.6, 0.45] as [number, number] },
    ]
    for (const [index, photo] of cases.entries()) {
      const picture = photoLike(source, { width: 1000, height: 760, seed: index + 1, ...photo })
      expect(decodeQrImage(picture), `case ${index}`).toBe(text)
    }
  })

  it('reads versions 4 to 20 (7 of 8 at least) at wallet-card size in a 640 × 480 camera frame (code 180 px across)', () => {
    // The code printed about 30 mm wide, the whole card filling the frame: 180 px for the code.
    const rows: string[] = []
    for (const length of [68, 128, 208, 308, 408, 558, 708, 908]) {
      const text = payload(length)
      const { version, size } = qrMatrix(text)
      const source = renderQrPixels(text, { scale: 4 })
      let read = 0
      const trials = 8
      for (let trial = 0; trial < trials; trial++) {
        const picture = photoLike(source, {
          width: 640,
          height: 480,
          scale: 180 / source.width,
          angleDegrees: (trial % 2 ? -1 : 1) * (3 + ((trial * 5) % 6)),
          centre: [0.45 + 0.02 * trial, 0.5],
          dark: 55,
          light: 190,
          noise: 12,
          shading: 40,
          seed: trial + 1,
        })
        try {
          if (decodeQrImage(picture) === text) read++
        } catch (error) {
          expect(error).toBeInstanceOf(QrNotFoundError)
        }
      }
      rows.push(`v${version} (${length} ch, ${(180 / (size + 8)).toFixed(2)} px/module): ${read}/${trials}`)
      expect(read, rows.at(-1)).toBeGreaterThanOrEqual(7)
    }
    console.log(`QR versions in a 640 × 480 frame, code 180 px, ECC M:\n${rows.join('\n')}`)
  })
})

describe('QR errors', () => {
  it('says when a picture holds no code', () => {
    const blank: RgbaImage = { width: 200, height: 200, data: new Uint8ClampedArray(200 * 200 * 4).fill(255) }
    expect(() => decodeQrImage(blank)).toThrow(QrNotFoundError)
    const noise = photoLike(blank, { width: 300, height: 300, scale: 1, angleDegrees: 0, noise: 40 })
    expect(() => decodeQrImage(noise)).toThrow(QrNotFoundError)
  })

  it('refuses pictures that are not RGBA frames of a sane size', () => {
    expect(() => decodeQrImage({ width: 10, height: 10, data: new Uint8ClampedArray(400) })).toThrow(QrImageInvalidError)
    expect(() => decodeQrImage({ width: 100, height: 100, data: new Uint8ClampedArray(100) })).toThrow(QrImageInvalidError)
    expect(() => decodeQrImage({ width: 5000, height: 5000, data: new Uint8ClampedArray(4) })).toThrow(QrImageInvalidError)
  })

  it('says when a text is too long for one code', () => {
    expect(() => qrMatrix('x'.repeat(3000), { ecc: 'H' })).toThrow(QrTooLongError)
    expect(() => renderQrPixels('x', { scale: 0 })).toThrow(RangeError)
  })
})
