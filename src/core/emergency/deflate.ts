/**
 * Raw DEFLATE (RFC 1951) through the platform's CompressionStream, as SMART Health
 * Cards and JWE `zip: DEF` use it. Inflating stops at `maxBytes`: a few hundred bytes
 * from a QR code must not expand into megabytes.
 */
export async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  return collect(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw')), Number.POSITIVE_INFINITY)
}

export class InflateLimitError extends Error {
  override name = 'InflateLimitError' as const
}

export async function inflateRaw(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  return collect(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw')), maxBytes)
}

async function collect(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    length += value.length
    if (length > maxBytes) {
      await reader.cancel()
      throw new InflateLimitError(`inflates beyond ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}
