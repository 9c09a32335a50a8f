import type { RgbaImage } from '../../src/core/qr/renderQr.ts'

export type PhotoLikeOptions = {
  /** The picture the code is placed in (a camera frame, a photo). */
  width: number
  height: number
  /** Pixels of the picture per pixel of the source. */
  scale: number
  /** Rotation of the source in the picture, degrees. */
  angleDegrees: number
  /** Centre of the source in the picture, as a fraction of width and height; default the middle. */
  centre?: [number, number]
  /** Dark and light levels (0–255) the black and white of the source become: lower contrast. */
  dark?: number
  light?: number
  /** Standard deviation of added Gaussian noise, in grey levels. */
  noise?: number
  /** A light gradient across the picture (uneven lighting), grey levels from left to right. */
  shading?: number
  seed?: number
}

/**
 * What a phone camera makes of a printed code, without a camera: the source scaled
 * (bilinear), rotated, placed off the middle of a textured background, with less
 * contrast, uneven light and sensor noise. Deterministic for a seed.
 */
export function photoLike(source: RgbaImage, options: PhotoLikeOptions): RgbaImage {
  const { width, height, scale, angleDegrees, dark = 40, light = 210, noise = 0, shading = 0 } = options
  const [cx, cy] = (options.centre ?? [0.5, 0.5]).map((fraction, index) => fraction * (index === 0 ? width : height)) as [number, number]
  const random = mulberry32(options.seed ?? 1)
  const gaussian = () => Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random())
  const angle = (angleDegrees * Math.PI) / 180
  const cos = Math.cos(angle)
  const sin = Math.sin(angle)
  const data = new Uint8ClampedArray(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Inverse map: picture pixel → source coordinates.
      const dx = x + 0.5 - cx
      const dy = y + 0.5 - cy
      const sx = (cos * dx + sin * dy) / scale + source.width / 2 - 0.5
      const sy = (-sin * dx + cos * dy) / scale + source.height / 2 - 0.5
      let grey: number
      if (sx < 0 || sy < 0 || sx > source.width - 1 || sy > source.height - 1) {
        // A table top: mid grey with a coarse pattern, so the background is not blank.
        grey = 120 + 30 * Math.sin(x / 7) * Math.cos(y / 11)
      } else {
        const level = bilinear(source, sx, sy) / 255
        grey = dark + (light - dark) * level
      }
      grey += shading * (x / width - 0.5) + noise * gaussian()
      const at = (y * width + x) * 4
      data[at] = data[at + 1] = data[at + 2] = grey
      data[at + 3] = 255
    }
  }
  return { width, height, data }
}

function bilinear(image: RgbaImage, x: number, y: number): number {
  const x0 = Math.floor(x)
  const y0 = Math.floor(y)
  const x1 = Math.min(x0 + 1, image.width - 1)
  const y1 = Math.min(y0 + 1, image.height - 1)
  const fx = x - x0
  const fy = y - y0
  const at = (px: number, py: number) => image.data[(py * image.width + px) * 4]!
  const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx
  const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx
  return top * (1 - fy) + bottom * fy
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
