import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { freshNonces, verifyCareAuth, type CareAuth } from './careAuth.ts'
import type { PinLedger } from './pinLedger.ts'
import { P2pConfigError } from './p2pErrors.ts'
import { compactJwePattern, decodeShlAuthHeader, shlAuthHeader, shlIdPattern, shlLifetimeHeader, shlPathPrefix, shlRequestBody } from './shlFileRequest.ts'
import type { ShlFileStore } from './shlFileStore.ts'

export type ServeShlFilesParameters = {
  port: number
  host?: string
  /** The care node's peer id: signatures name it (careAuth.ts). */
  nodePeerId: string
  files: ShlFileStore
  /** Admits patient identities (registration work, rate) as the pin protocol does. */
  ledger: PinLedger
  log?: (line: string) => void
}

export type ShlFileServer = {
  /** e.g. http://127.0.0.1:9201 (no trailing slash). */
  url: string
  close(): Promise<void>
}

/** Why a request was refused, sent as JSON `{ error, message }`. */
export type ShlRefusal =
  | 'not-found'
  | 'recipient-required'
  | 'bad-id'
  | 'unsigned'
  | 'unauthorized'
  | 'unregistered'
  | 'registrations-full'
  | 'not-owner'
  | 'too-large'
  | 'not-jwe'
  | 'quota-exceeded'
  | 'method-not-allowed'

const statusOf: Record<ShlRefusal, number> = {
  'not-found': 404,
  'recipient-required': 400,
  'bad-id': 400,
  unsigned: 401,
  unauthorized: 401,
  unregistered: 401,
  'registrations-full': 429,
  'not-owner': 403,
  'too-large': 413,
  'not-jwe': 415,
  'quota-exceeded': 507,
  'method-not-allowed': 405,
}

/**
 * The care node's HTTP endpoint for SMART Health Link files (node:http): `GET
 * /shl/<id>?recipient=…` for anyone (CORS for every origin, `application/jose`),
 * `PUT` and `DELETE` for the identity that owns the link. Run TLS in front of it
 * (a reverse proxy) for https pages and SHL viewers.
 */
export async function serveShlFiles(parameters: ServeShlFilesParameters): Promise<ShlFileServer> {
  const { port, host = '127.0.0.1', nodePeerId, files, ledger, log = () => {} } = parameters
  const nonces = freshNonces()
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`shl: ${error instanceof Error ? error.message : String(error)}`)
      if (!response.headersSent) send(response, 500, { error: 'internal', message: 'The care node failed; try again.' })
      else response.destroy()
    })
  })
  server.requestTimeout = 30_000
  server.headersTimeout = 10_000

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('access-control-allow-origin', '*')
    const url = new URL(request.url ?? '/', 'http://care.invalid')
    if (!url.pathname.startsWith(shlPathPrefix)) return refuse(response, 'not-found')
    const id = url.pathname.slice(shlPathPrefix.length)
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-methods': 'GET, PUT, DELETE, OPTIONS',
        'access-control-allow-headers': `content-type, ${shlAuthHeader}, ${shlLifetimeHeader}`,
        'access-control-max-age': '600',
      })
      return void response.end()
    }
    if (!shlIdPattern.test(id)) return refuse(response, 'bad-id')
    if (request.method === 'GET' || request.method === 'HEAD') {
      // The SHL spec (flag U): the recipient names who asks; it is required, not checked.
      const recipient = url.searchParams.get('recipient')
      if (!recipient) return refuse(response, 'recipient-required')
      const file = await files.get(id)
      if (!file) return refuse(response, 'not-found')
      response.writeHead(200, { 'content-type': 'application/jose', 'content-length': file.byteLength, 'cache-control': 'no-store' })
      return void response.end(request.method === 'HEAD' ? undefined : file)
    }
    if (request.method !== 'PUT' && request.method !== 'DELETE') return refuse(response, 'method-not-allowed')
    const header = request.headers[shlAuthHeader]
    if (typeof header !== 'string') return refuse(response, 'unsigned')
    let auth: CareAuth
    try {
      auth = decodeShlAuthHeader(header, (details) => {
        throw new Error(details)
      })
    } catch {
      return refuse(response, 'unauthorized')
    }
    const lifetimeHeader = request.headers[shlLifetimeHeader]
    const lifetime = typeof lifetimeHeader === 'string' && /^\d{1,10}$/.test(lifetimeHeader) ? Number(lifetimeHeader) : undefined
    if (request.method === 'DELETE') {
      if (!(await authorised('delete', auth, shlRequestBody('delete', id), request, response))) return
      const result = await files.delete(auth.key, id)
      if (result === 'deleted') return send(response, 200, { deleted: id })
      return refuse(response, result)
    }
    const declared = Number(request.headers['content-length'] ?? 0)
    if (declared > files.limits.maxFileBytes) return refuse(response, 'too-large')
    const file = await readBody(request, files.limits.maxFileBytes)
    if (!file) return refuse(response, 'too-large')
    if (!(await authorised('put', auth, shlRequestBody('put', id, file, lifetime), request, response))) return
    if (!compactJwePattern.test(new TextDecoder().decode(file))) return refuse(response, 'not-jwe')
    const result = await files.put(auth.key, id, file, lifetime)
    if (result !== 'stored') return refuse(response, result)
    log(`shl: stored ${id.slice(0, 8)}… (${file.byteLength} bytes)`)
    send(response, 201, { stored: id })
  }

  async function authorised(op: string, auth: CareAuth, body: Record<string, unknown>, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const refusal = verifyCareAuth('shl', body, auth, { node: nodePeerId })
    if (refusal || !nonces.fresh(auth)) {
      refuse(response, 'unauthorized', refusal ?? 'replayed')
      return false
    }
    const admitted = await ledger.admit(auth, request.socket.remoteAddress ?? 'unknown')
    if (admitted !== 'ok') {
      refuse(response, admitted, op, admitted === 'unregistered' ? { workBits: ledger.registrationWorkBits } : {})
      return false
    }
    return true
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new P2pConfigError(`the care node's HTTP server could not listen on ${host}:${port}`, { cause: error })))
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

const messages: Record<ShlRefusal, string> = {
  'not-found': 'No such link on this care node: it was deleted, replaced by a new card, or has expired.',
  'recipient-required': 'Add ?recipient=<who is asking> to the link URL (SMART Health Links spec).',
  'bad-id': 'This is not a link id (32 random bytes or more, base64url).',
  unsigned: 'Only the patient who made this link may change it: the request carries no signature.',
  unauthorized: "The request's signature does not hold (wrong node, too old, replayed or forged).",
  unregistered: 'This patient key is not registered with the care node yet: send the registration work.',
  'registrations-full': 'The care node takes no new patients this hour; try again later.',
  'not-owner': 'This link belongs to someone else.',
  'too-large': 'The file is larger than this care node accepts.',
  'not-jwe': 'The file must be a compact JWE (application/jose).',
  'quota-exceeded': 'This patient keeps as many links or bytes on this care node as it allows: delete an old link first.',
  'method-not-allowed': 'Use GET, PUT or DELETE.',
}

function refuse(response: ServerResponse, error: ShlRefusal, details?: string, extra: object = {}): void {
  // The unread rest of a refused upload is not worth keeping the connection for.
  if (error === 'too-large') response.setHeader('connection', 'close')
  send(response, statusOf[error], { error, message: messages[error], ...(details ? { details } : {}), ...extra })
}

function send(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  response.end(text)
}

/** The body, or undefined once it passes `limit` bytes (the rest is not read). */
async function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.byteLength
    if (length > limit) {
      request.resume()
      return undefined
    }
    chunks.push(chunk)
  }
  return new Uint8Array(Buffer.concat(chunks))
}
