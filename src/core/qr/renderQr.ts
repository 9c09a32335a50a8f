import QRCode from 'qrcode'
import { SalusError } from '../../errors/salusError.ts'

/** Error correction: L 7 %, M 15 %, Q 25 %, H 30 % of the code words may be lost. */
export type QrErrorCorrection = 'L' | 'M' | 'Q' | 'H'

export type QrOptions = {
  /** Default M: survives a crease or a smudge on a printed card and stays small. */
  ecc?: QrErrorCorrection
  /** Quiet zone in modules; the standard asks for 4. */
  margin?: number
}

/** A QR symbol as dark (1) and light (0) modules, row by row. */
export type QrMatrix = { size: number; version: number; modules: Uint8Array }

/** RGBA pixels, as in the browser's ImageData (which satisfies it). */
export type RgbaImage = { width: number; height: number; data: Uint8ClampedArray | Uint8Array }

export class QrTooLongError extends SalusError {
  override name = 'QrTooLongError' as const
  constructor(length: number, ecc: QrErrorCorrection, cause: unknown) {
    super(`This text (${length} characters) is too long for one QR code at error correction ${ecc}: shorten what the code carries.`, { cause })
  }
}

/** The QR symbol for `text` (byte, alphanumeric or numeric mode, whichever is shortest). */
export function qrMatrix(text: string, { ecc = 'M' }: QrOptions = {}): QrMatrix {
  let code: ReturnType<typeof QRCode.create>
  try {
    code = QRCode.create(text, { errorCorrectionLevel: ecc })
  } catch (error) {
    throw new QrTooLongError(text.length, ecc, error)
  }
  const { size, data } = code.modules
  return { size, version: code.version, modules: Uint8Array.from(data, (dark) => (dark ? 1 : 0)) }
}

/** A scalable SVG (one path, black on white) for printing: the wallet card, the lock-screen image. */
export function renderQrSvg(text: string, options: QrOptions = {}): string {
  const { size, modules } = qrMatrix(text, options)
  const margin = options.margin ?? 4
  const side = size + 2 * margin
  let path = ''
  for (let y = 0; y < size; y++) {
    let x = 0
    while (x < size) {
      if (!modules[y * size + x]) {
        x++
        continue
      }
      const start = x
      while (x < size && modules[y * size + x]) x++
      path += `M${start + margin} ${y + margin}h${x - start}v1h${start - x}z`
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges">` +
    `<rect width="${side}" height="${side}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`
  )
}

/** The symbol rasterised, `scale` pixels a module (for canvases, PNGs and tests). */
export function renderQrPixels(text: string, { scale = 4, ...options }: QrOptions & { scale?: number } = {}): RgbaImage {
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new RangeError('scale must be a whole number from 1 to 64')
  const { size, modules } = qrMatrix(text, options)
  const margin = options.margin ?? 4
  const side = (size + 2 * margin) * scale
  const data = new Uint8ClampedArray(side * side * 4).fill(255)
  for (let y = 0; y < side; y++) {
    const my = Math.floor(y / scale) - margin
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - margin
      if (my < 0 || mx < 0 || my >= size || mx >= size || !modules[my * size + mx]) continue
      const at = (y * side + x) * 4
      data[at] = data[at + 1] = data[at + 2] = 0
    }
  }
  return { width: side, height: side, data }
}
