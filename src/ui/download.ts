/** Saves a Blob as a file through a temporary object URL (no server round trip). */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
  // Give the browser time to start reading the Blob before the URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** Collects a stream of chunks into a Blob; the browser may page large Blobs to disk. */
export async function blobFromChunks(chunks: AsyncIterable<Uint8Array>, type: string): Promise<Blob> {
  const parts: BlobPart[] = []
  for await (const chunk of chunks) parts.push(chunk as Uint8Array<ArrayBuffer>)
  return new Blob(parts, { type })
}

/** A file's bytes as an async iterable, read a chunk at a time (memory stays bounded). */
export async function* fileChunks(file: Blob): AsyncIterable<Uint8Array> {
  const reader = file.stream().getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/** A file name safe on every OS, from a record title. */
export function safeFileName(title: string, extension: string): string {
  const base = title.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60)
  return `${base || 'record'}.${extension}`
}
