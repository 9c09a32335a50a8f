import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, getAddress, hexToBytes, type Address } from 'viem'
import { SalusError } from '../errors/salusError.ts'
import { checkKeyVersion } from './keyVersion.ts'

/**
 * Input to the passkey's PRF (WebAuthn `prf.eval.first`). Fixed for this derivation
 * scheme: the key version is in the HKDF labels and in the passkey's user handle, and
 * each version has its own passkey (see src/core/keys/deriveKeys.ts).
 */
export const passkeyPrfSalt = sha256(new TextEncoder().encode('salus/passkey-prf/v1'))

/**
 * The Salus passkey: a WebAuthn credential whose relying party is the origin serving
 * Salus (rp.id defaults to the page's host), used only for its PRF extension. The PRF
 * output is a secret the authenticator computes for that origin alone, so a page on
 * any other origin cannot obtain it, while the person's synced passkey (password
 * manager, platform keychain) gives the same output on every device. One passkey per
 * key version: its user handle holds the account and the version, so a new device
 * learns the version from the passkey the person picks.
 */
export type SalusPasskey = { credentialId: string; account: Address; keyVersion: number }

export class PasskeyUnavailableError extends SalusError {
  override name = 'PasskeyUnavailableError' as const
  constructor(parameters: { details?: string; cause?: unknown } = {}) {
    super(
      'No Salus passkey was used: the request was cancelled or timed out, or none was found for this site. Try again; on a new device, check that your password manager or phone has your Salus passkey.',
      parameters,
    )
  }
}

export class PasskeyForeignOriginError extends SalusError {
  override name = 'PasskeyForeignOriginError' as const
  constructor(parameters: { details?: string; cause?: unknown } = {}) {
    super(
      'This page cannot use your Salus passkey: its address is not the Salus site. Salus only derives your keys on its own address; check the address bar.',
      parameters,
    )
  }
}

export class PasskeyPrfUnsupportedError extends SalusError {
  override name = 'PasskeyPrfUnsupportedError' as const
  constructor(details: string) {
    super(
      'Your browser or passkey provider does not support the passkey extension (PRF) Salus needs to bind your keys to this site. Use a current Chrome, Edge, Safari or Firefox with a passkey provider that supports it.',
      { details },
    )
  }
}

export class PasskeyAccountMismatchError extends SalusError {
  override name = 'PasskeyAccountMismatchError' as const
  constructor(expected: Address, found: Address) {
    super(`The passkey you chose belongs to Salus account ${found}, not ${expected}. Choose the passkey named for ${expected}.`)
  }
}

const handleBytes = 24

/** 20 bytes account, 4 bytes key version (big-endian). */
export function passkeyUserHandle(account: Address, keyVersion: number): Uint8Array<ArrayBuffer> {
  const handle = new Uint8Array(new ArrayBuffer(handleBytes))
  handle.set(hexToBytes(getAddress(account)), 0)
  new DataView(handle.buffer).setUint32(20, checkKeyVersion(keyVersion))
  return handle
}

export function parsePasskeyUserHandle(handle: Uint8Array): { account: Address; keyVersion: number } | undefined {
  if (handle.byteLength !== handleBytes) return undefined
  const keyVersion = new DataView(handle.buffer, handle.byteOffset, handle.byteLength).getUint32(20)
  try {
    return { account: getAddress(bytesToHex(handle.subarray(0, 20))), keyVersion: checkKeyVersion(keyVersion) }
  } catch {
    return undefined
  }
}

export function passkeyName(account: Address, keyVersion: number): string {
  return `Salus ${account.slice(0, 6)}…${account.slice(-4)} (keys v${keyVersion})`
}

/** Creates the passkey for this account and key version on this origin; resolves to its credential id (base64url). */
export async function createSalusPasskey(account: Address, keyVersion: number, credentials: CredentialsContainer = navigator.credentials): Promise<string> {
  const name = passkeyName(account, keyVersion)
  const credential = (await call(() =>
    credentials.create({
      publicKey: {
        rp: { name: 'Salus' },
        user: { id: passkeyUserHandle(account, keyVersion), name, displayName: name },
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        pubKeyCredParams: [
          { type: 'public-key', alg: -7 },
          { type: 'public-key', alg: -257 },
        ],
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        timeout: 120_000,
        extensions: { prf: {} } as AuthenticationExtensionsClientInputs,
      },
    }),
  )) as PublicKeyCredential | null
  if (!credential) throw new PasskeyUnavailableError({ details: 'create() returned no credential' })
  const prf = (credential.getClientExtensionResults() as { prf?: { enabled?: boolean } }).prf
  if (!prf?.enabled) throw new PasskeyPrfUnsupportedError('the new passkey does not have the PRF extension enabled')
  return toBase64Url(new Uint8Array(credential.rawId))
}

/**
 * Asks the passkey for its PRF output. With a credential id (this device made or used
 * it before) only that passkey is offered; without one the person picks among the
 * Salus passkeys synced to this device, and the user handle says whose and which version.
 */
export async function evaluateSalusPasskey(
  account: Address,
  credentialId: string | undefined,
  credentials: CredentialsContainer = navigator.credentials,
): Promise<SalusPasskey & { prf: Uint8Array }> {
  const credential = (await call(() =>
    credentials.get({
      publicKey: {
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        allowCredentials: credentialId ? [{ type: 'public-key', id: fromBase64Url(credentialId) }] : [],
        userVerification: 'required',
        timeout: 120_000,
        extensions: { prf: { eval: { first: Uint8Array.from(passkeyPrfSalt) } } } as AuthenticationExtensionsClientInputs,
      },
    }),
  )) as PublicKeyCredential | null
  if (!credential) throw new PasskeyUnavailableError({ details: 'get() returned no credential' })
  const response = credential.response as AuthenticatorAssertionResponse
  const owner = response.userHandle ? parsePasskeyUserHandle(new Uint8Array(response.userHandle)) : undefined
  if (!owner) throw new PasskeyUnavailableError({ details: 'the passkey has no Salus user handle' })
  if (owner.account.toLowerCase() !== account.toLowerCase()) throw new PasskeyAccountMismatchError(account, owner.account)
  const results = (credential.getClientExtensionResults() as { prf?: { results?: { first?: BufferSource } } }).prf?.results
  const first = results?.first
  if (!first) throw new PasskeyPrfUnsupportedError('the passkey returned no PRF result')
  const prf = first instanceof ArrayBuffer ? new Uint8Array(first) : new Uint8Array(first.buffer, first.byteOffset, first.byteLength)
  return { credentialId: toBase64Url(new Uint8Array(credential.rawId)), account: owner.account, keyVersion: owner.keyVersion, prf: Uint8Array.from(prf) }
}

async function call<T>(request: () => Promise<T>): Promise<T> {
  if (typeof PublicKeyCredential === 'undefined') throw new PasskeyPrfUnsupportedError('this browser has no WebAuthn')
  try {
    return await request()
  } catch (cause) {
    const name = (cause as { name?: unknown }).name
    // An IP address or a host that is not Salus's own makes the browser refuse the relying party.
    if (name === 'SecurityError') throw new PasskeyForeignOriginError({ cause })
    if (name === 'NotSupportedError') throw new PasskeyPrfUnsupportedError(String((cause as Error).message))
    throw new PasskeyUnavailableError({ cause })
  }
}

function toBase64Url(bytes: Uint8Array): string {
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/')
  return Uint8Array.from(atob(padded + '='.repeat((4 - (padded.length % 4)) % 4)), (c) => c.charCodeAt(0))
}
