// SPDX-License-Identifier: GPL-3.0-or-later
import { CircuitArtifactError } from './zkErrors.ts'

export type FetchArtifactParameters = {
  url: string
  maxBytes: number
  onBytes?: (loadedBytes: number, totalBytes: number | undefined) => void
  fetch?: typeof globalThis.fetch
}

/** Downloads one circuit artifact, reporting bytes as they arrive and refusing anything over maxBytes. */
export async function fetchArtifact({ url, maxBytes, onBytes, fetch = globalThis.fetch }: FetchArtifactParameters): Promise<Uint8Array> {
  let response: Response
  try {
    response = await fetch(url)
  } catch (cause) {
    throw new CircuitArtifactError({ cause, details: url })
  }
  if (!response.ok || !response.body) throw new CircuitArtifactError({ details: `${url}: HTTP ${response.status}` })
  const header = Number(response.headers.get('content-length'))
  const total = Number.isSafeInteger(header) && header > 0 ? header : undefined
  if (total !== undefined && total > maxBytes) throw new CircuitArtifactError({ details: `${url}: ${total} bytes > ${maxBytes}` })
  const chunks: Uint8Array[] = []
  let loaded = 0
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    loaded += value.length
    if (loaded > maxBytes) {
      await reader.cancel()
      throw new CircuitArtifactError({ details: `${url}: more than ${maxBytes} bytes` })
    }
    chunks.push(value)
    onBytes?.(loaded, total)
  }
  const bytes = new Uint8Array(loaded)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return bytes
}
