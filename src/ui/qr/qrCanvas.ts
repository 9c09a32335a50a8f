import { decodeQrImage, QrImageInvalidError } from '../../core/qr/decodeQr.ts'
import { qrMatrix, type QrOptions } from '../../core/qr/renderQr.ts'

/** Draws the code on a canvas, `scale` pixels a module, black on white with the quiet zone. */
export function renderQrToCanvas(canvas: HTMLCanvasElement | OffscreenCanvas, text: string, { scale = 8, ...options }: QrOptions & { scale?: number } = {}): void {
  const { size, modules } = qrMatrix(text, options)
  const margin = options.margin ?? 4
  const side = (size + 2 * margin) * scale
  canvas.width = side
  canvas.height = side
  const context = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null
  if (!context) throw new Error('no 2D canvas context')
  context.fillStyle = '#fff'
  context.fillRect(0, 0, side, side)
  context.fillStyle = '#000'
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) if (modules[y * size + x]) context.fillRect((x + margin) * scale, (y + margin) * scale, scale, scale)
  }
}

/** A PNG of the code (to save as a lock-screen image or print). */
export async function renderQrPng(text: string, options: QrOptions & { scale?: number } = {}): Promise<Blob> {
  const canvas = document.createElement('canvas')
  renderQrToCanvas(canvas, text, options)
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the browser made no PNG'))), 'image/png'))
}

/** Camera frames and photos are scaled down to this many pixels on the long side before decoding. */
const maxDecodeSide = 1600

/** The RGBA pixels of an image file (a photo of the card, a screenshot). */
export async function imageDataFromFile(file: Blob): Promise<ImageData> {
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(file)
  } catch (error) {
    throw new QrImageInvalidError(error instanceof Error ? error.message : String(error))
  }
  try {
    return pixelsOf(bitmap, bitmap.width, bitmap.height)
  } finally {
    bitmap.close()
  }
}

/** The current frame of a playing camera <video>. */
export function imageDataFromVideo(video: HTMLVideoElement): ImageData {
  return pixelsOf(video, video.videoWidth, video.videoHeight)
}

/** Decodes the code in an image file; throws QrNotFoundError or QrImageInvalidError. */
export async function decodeQrFile(file: Blob): Promise<string> {
  return decodeQrImage(await imageDataFromFile(file))
}

function pixelsOf(source: CanvasImageSource, width: number, height: number): ImageData {
  if (!width || !height) throw new QrImageInvalidError('the picture has no pixels yet')
  const factor = Math.min(1, maxDecodeSide / Math.max(width, height))
  const canvas = new OffscreenCanvas(Math.round(width * factor), Math.round(height * factor))
  const context = canvas.getContext('2d', { willReadFrequently: true })
  if (!context) throw new Error('no 2D canvas context')
  context.drawImage(source, 0, 0, canvas.width, canvas.height)
  return context.getImageData(0, 0, canvas.width, canvas.height)
}
