import { SalusError } from '../errors/salusError.ts'
import { signCareRequest, type CareSigner } from './careAuth.ts'
import { encodeShlAuthHeader, shlAuthHeader, shlIdPattern, shlLifetimeHeader, shlPathPrefix, shlRequestBody } from './shlFileRequest.ts'

/** A care node refused or failed an SHL file request; `code` is the node's reason (serveShlFiles.ts). */
export class ShlFileRequestError extends SalusError {
  override name = 'ShlFileRequestError' as const
  readonly code: string
  readonly status: number
  /** With `unregistered`: the registration work the care node asks for. */
  workBits?: number
  constructor(status: number, code: string, message: string, cause?: unknown) {
    super(message || 'The care node did not take the emergency card file; try again.', { details: `HTTP ${status} ${code}`, ...(cause ? { cause } : {}) })
    this.code = code
    this.status = status
  }
}

export type ShlFileTarget = {
  /** The care node's HTTP base URL (NetworkConfig careNodes[].httpUrl). */
  baseUrl: string
  /** Its peer id: the signature is good for that node only. */
  peerId: string
  /** The patient's signer for that node (careSignerFor). */
  signer: CareSigner
  id: string
  signal?: AbortSignal
  fetch?: typeof globalThis.fetch
}

/** The link's URL on that care node, as it goes into the `shlink:/` payload. */
export function shlFileUrl(baseUrl: string, id: string): string {
  return `${baseUrl.replace(/\/$/, '')}${shlPathPrefix}${id}`
}

/** Creates or replaces the file of link `id` (a compact JWE) on one care node. */
export async function putShlFile(target: ShlFileTarget & { jwe: string; lifetimeSeconds?: number }): Promise<void> {
  const file = new TextEncoder().encode(target.jwe)
  const attempt = (signer: CareSigner) => {
    const auth = signCareRequest('shl', shlRequestBody('put', checkedId(target.id), file, target.lifetimeSeconds), target.peerId, signer)
    const headers: Record<string, string> = { 'content-type': 'application/jose', [shlAuthHeader]: encodeShlAuthHeader(auth) }
    if (target.lifetimeSeconds !== undefined) headers[shlLifetimeHeader] = String(target.lifetimeSeconds)
    return send(target, { method: 'PUT', headers, body: file })
  }
  try {
    await attempt(target.signer)
  } catch (error) {
    // First contact with this node: register with the work it asks for, once.
    if (!(error instanceof ShlFileRequestError) || error.code !== 'unregistered' || error.workBits === undefined || target.signer.workBits !== undefined) throw error
    await attempt({ ...target.signer, workBits: error.workBits })
  }
}

/** Deletes link `id` from one care node (rotating the card); an unknown id is not an error. */
export async function deleteShlFile(target: ShlFileTarget): Promise<void> {
  const auth = signCareRequest('shl', shlRequestBody('delete', checkedId(target.id)), target.peerId, target.signer)
  try {
    await send(target, { method: 'DELETE', headers: { [shlAuthHeader]: encodeShlAuthHeader(auth) } })
  } catch (error) {
    if (error instanceof ShlFileRequestError && error.code === 'not-found') return
    throw error
  }
}

function checkedId(id: string): string {
  if (!shlIdPattern.test(id)) throw new ShlFileRequestError(0, 'bad-id', 'This is not a link id (32 random bytes or more, base64url).')
  return id
}

async function send(target: ShlFileTarget, init: RequestInit): Promise<void> {
  const fetcher = target.fetch ?? globalThis.fetch
  let response: Response
  try {
    response = await fetcher(shlFileUrl(target.baseUrl, target.id), { ...init, ...(target.signal ? { signal: target.signal } : {}) })
  } catch (error) {
    if (target.signal?.aborted) throw error
    throw new ShlFileRequestError(0, 'unreachable', 'The care node could not be reached: check the connection and try again.', error)
  }
  if (response.ok) return
  const answer = (await response.json().catch(() => ({}))) as { error?: unknown; message?: unknown; workBits?: unknown }
  const error = new ShlFileRequestError(response.status, typeof answer.error === 'string' ? answer.error : 'http', typeof answer.message === 'string' ? answer.message : '')
  if (typeof answer.workBits === 'number' && Number.isInteger(answer.workBits) && answer.workBits >= 0 && answer.workBits <= 24) error.workBits = answer.workBits
  throw error
}
