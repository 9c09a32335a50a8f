import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToBigInt, concatBytes, hexToBytes, isHex, type Address, type Hex } from 'viem'
import { checkKeyVersion, firstKeyVersion } from '../../crypto/keyVersion.ts'
import { SalusError } from '../../errors/salusError.ts'

/**
 * Every Salus key comes from the user's wallet signature mixed with the output of a
 * passkey bound to the Salus origin (WebAuthn PRF), so a lost browser loses nothing the
 * wallet and the synced passkey cannot rebuild, and a page on another origin that
 * obtains the signature still derives nothing. Each key has its own HKDF label, which
 * carries the key version: knowing one key reveals nothing about another, and a
 * rotated version shares nothing with the one before.
 */
export type SalusKeys = {
  /** BN254 scalar in [1, r): identityCommitment = Poseidon(identitySecret). */
  identitySecret: bigint
  /** Seeds the Umbral SecretKeyFactory for per-scope delegating keys and the record signer. */
  preMasterSeed: Uint8Array
  /** Seeds the Ed25519 libp2p key, so a user keeps one peer ID. */
  peerKeySeed: Uint8Array
  /** Encrypts the local record index in IndexedDB. */
  vaultKey: Uint8Array
  /** 1 at first; each rotation after a compromise moves to the next. */
  keyVersion: number
  /** True when a Salus passkey's PRF output went in: only the Salus origin can derive these keys. */
  originBound: boolean
}

export const bn254ScalarField = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

export const keyDerivationPurpose = 'Derive my Salus keys. This signature never leaves this device.'

const encoder = new TextEncoder()
/** Demo keys of the local network (no passkey) keep the original salt; passkey-bound keys have their own. */
const signatureOnlySalt = encoder.encode('salus/v1')
const passkeySalt = encoder.encode('salus/passkey/v1')
const label = (name: string, keyVersion: number) => encoder.encode(`salus/${name}/v${keyVersion}`)

export class InvalidKeySignatureError extends SalusError {
  override name = 'InvalidKeySignatureError' as const
  constructor(details: string) {
    super('Your wallet returned a signature Salus cannot use to derive your keys. Try signing again, or use another wallet.', {
      details,
    })
  }
}

export class InvalidPasskeyOutputError extends SalusError {
  override name = 'InvalidPasskeyOutputError' as const
  constructor(details: string) {
    super('Your passkey returned a value Salus cannot use to derive your keys. Try again, or use another passkey provider.', { details })
  }
}

/** EIP-712 request for the key signature; no chainId, so keys survive a change of chain. The version is signed too. */
export function keyDerivationTypedData(account: Address, keyVersion: number = firstKeyVersion) {
  return {
    domain: { name: 'Salus', version: '1' },
    types: {
      KeyDerivation: [
        { name: 'purpose', type: 'string' },
        { name: 'account', type: 'address' },
        { name: 'keyVersion', type: 'uint32' },
      ],
    },
    primaryType: 'KeyDerivation',
    message: { purpose: keyDerivationPurpose, account, keyVersion: checkKeyVersion(keyVersion) },
  } as const
}

export type DeriveKeysOptions = {
  /** Must match the version the signature was made for (keyDerivationTypedData). */
  keyVersion?: number
  /** The Salus passkey's PRF output (32 bytes). Absent only for the local network's demo accounts. */
  passkeyPrf?: Uint8Array
}

export function deriveKeys(signature: Hex | Uint8Array, options: DeriveKeysOptions = {}): SalusKeys {
  const keyVersion = checkKeyVersion(options.keyVersion ?? firstKeyVersion)
  const sig = normalizeKeySignature(signature)
  let ikm = sig
  let salt = signatureOnlySalt
  if (options.passkeyPrf !== undefined) {
    if (!(options.passkeyPrf instanceof Uint8Array) || options.passkeyPrf.byteLength !== 32) {
      throw new InvalidPasskeyOutputError(`expected a 32-byte PRF output, got ${describe(options.passkeyPrf)}`)
    }
    ikm = concatBytes([sig, options.passkeyPrf])
    salt = passkeySalt
  }
  const expand = (name: string, length: number) => hkdf(sha256, ikm, salt, label(name, keyVersion), length)
  // 48 bytes before reducing mod r keeps the bias below 2^-128.
  const identitySecret = bytesToBigInt(expand('identity-secret', 48)) % bn254ScalarField
  if (identitySecret === 0n) throw new InvalidKeySignatureError('identity secret reduced to zero')
  return {
    identitySecret,
    preMasterSeed: expand('pre-master', 32),
    peerKeySeed: expand('libp2p-peer-key', 32),
    vaultKey: expand('vault-key', 32),
    keyVersion,
    originBound: options.passkeyPrf !== undefined,
  }
}

/** The 65 signature bytes with v as 27/28, so one wallet gives one key whatever its v encoding. */
export function normalizeKeySignature(signature: Hex | Uint8Array): Uint8Array {
  let bytes: Uint8Array
  if (signature instanceof Uint8Array) bytes = Uint8Array.from(signature)
  else if (typeof signature === 'string' && isHex(signature, { strict: true })) bytes = hexToBytes(signature)
  else throw new InvalidKeySignatureError('signature is neither bytes nor 0x-prefixed hex')
  if (bytes.byteLength !== 65) {
    throw new InvalidKeySignatureError(`expected a 65-byte ECDSA signature (r, s, v), got ${bytes.byteLength} bytes`)
  }
  // Some wallets (hardware, older) encode v as 0/1, others as 27/28: one key must give one vault.
  const v = bytes[64] as number
  if (v === 0 || v === 1) bytes[64] = v + 27
  else if (v !== 27 && v !== 28) throw new InvalidKeySignatureError(`unexpected recovery byte v = ${v}`)
  return bytes
}

function describe(value: unknown): string {
  return value instanceof Uint8Array ? `${value.byteLength} bytes` : typeof value
}
