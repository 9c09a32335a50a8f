import { renderQrPng, renderQrToCanvas } from '../../qr/qrCanvas.ts'

/** Lock-screen size of a common phone (1170 × 2532, iPhone 12–14): the QR sits in the lower half, clear of the clock. */
export const lockScreen = { width: 1170, height: 2532 } as const

function toPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The image could not be made.'))), 'image/png'))
}

/** A phone wallpaper: dark, the words "Scan in an emergency", the QR on white, the holder's name. */
export async function lockScreenPng(qrText: string, name: string): Promise<Blob> {
  const canvas = document.createElement('canvas')
  canvas.width = lockScreen.width
  canvas.height = lockScreen.height
  const context = canvas.getContext('2d')
  if (!context) throw new Error('This browser cannot draw images.')
  const { width, height } = lockScreen
  context.fillStyle = '#14262e'
  context.fillRect(0, 0, width, height)
  const side = 820
  const x = (width - side) / 2
  const y = height * 0.44
  context.fillStyle = '#ffffff'
  context.beginPath()
  context.roundRect(x - 40, y - 40, side + 80, side + 80, 36)
  context.fill()
  const qr = document.createElement('canvas')
  renderQrToCanvas(qr, qrText, { scale: 8 })
  context.imageSmoothingEnabled = false
  context.drawImage(qr, x, y, side, side)
  context.textAlign = 'center'
  context.fillStyle = '#ffffff'
  context.font = '700 76px system-ui, sans-serif'
  context.fillText('Scan in an emergency', width / 2, y - 110)
  context.fillStyle = '#ff9c94'
  context.font = '700 52px system-ui, sans-serif'
  context.fillText('✚ Medical ID', width / 2, y - 210)
  context.fillStyle = '#d5dde1'
  context.font = '600 56px system-ui, sans-serif'
  context.fillText(name.slice(0, 32), width / 2, y + side + 130)
  context.font = '400 40px system-ui, sans-serif'
  context.fillText('Salus emergency card', width / 2, y + side + 200)
  return toPng(canvas)
}

/** The QR alone as a PNG (for a wallet app, or to send to a printer shop). */
export function qrPng(qrText: string): Promise<Blob> {
  return renderQrPng(qrText, { scale: 12 })
}
