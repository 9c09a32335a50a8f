/** Reads exact byte counts from a stream of arbitrarily split chunks (files, fetch bodies). */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>
  private buffer: Uint8Array = new Uint8Array(0)
  private offset = 0

  constructor(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array) {
    const iterable = source instanceof Uint8Array ? [source] : source
    this.iterator =
      Symbol.asyncIterator in iterable
        ? (iterable as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : toAsync((iterable as Iterable<Uint8Array>)[Symbol.iterator]())
  }

  /** Exactly `length` bytes, or undefined at a clean end of stream; throws on a stream cut inside the read. */
  async read(length: number): Promise<Uint8Array | undefined> {
    if (length === 0) return new Uint8Array(0)
    const parts: Uint8Array[] = []
    let need = length
    while (need > 0) {
      if (this.offset === this.buffer.byteLength) {
        const next = await this.iterator.next()
        if (next.done) {
          if (need === length) return undefined
          throw new RangeError(`stream ended ${need} bytes short`)
        }
        if (!(next.value instanceof Uint8Array)) throw new TypeError('stream chunk is not bytes')
        this.buffer = next.value
        this.offset = 0
        continue
      }
      const take = Math.min(need, this.buffer.byteLength - this.offset)
      parts.push(this.buffer.subarray(this.offset, this.offset + take))
      this.offset += take
      need -= take
    }
    if (parts.length === 1) return parts[0]
    const out = new Uint8Array(length)
    let at = 0
    for (const part of parts) {
      out.set(part, at)
      at += part.byteLength
    }
    return out
  }

  async readExactly(length: number): Promise<Uint8Array> {
    const bytes = await this.read(length)
    if (!bytes) throw new RangeError(`stream ended, ${length} bytes expected`)
    return bytes
  }
}

function toAsync(iterator: Iterator<Uint8Array>): AsyncIterator<Uint8Array> {
  return { next: async () => iterator.next() }
}
