import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToBigInt, hexToBytes, isHex, type Address, type Hex } from 'viem'
import { SalusError } from '../errors.ts'

/**
 * Every Salus key comes from one EIP-712 signature by the user's wallet, so a lost
 * browser loses nothing the wallet cannot rebuild. Each key has its own HKDF label:
 * knowing one reveals nothing about another.
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
}

export const bn254ScalarField = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

export const keyDerivationPurpose = 'Derive my Salus keys. This signature never leaves this device.'

const salt = new TextEncoder().encode('salus/v1')
const labels = {
  identitySecret: 'salus/identity-secret/v1',
  preMasterSeed: 'salus/pre-master/v1',
  peerKeySeed: 'salus/libp2p-peer-key/v1',
  vaultKey: 'salus/vault-key/v1',
} as const

export class InvalidKeySignatureError extends SalusError {
  override name = 'InvalidKeySignatureError' as const
  constructor(details: string) {
    super('Your wallet returned a signature Salus cannot use to derive your keys. Try signing again, or use another wallet.', {
      details,
    })
  }
}

/** EIP-712 request for the key signature; no chainId, so keys survive a change of chain. */
export function keyDerivationTypedData(account: Address) {
  return {
    domain: { name: 'Salus', version: '1' },
    types: {
      KeyDerivation: [
        { name: 'purpose', type: 'string' },
        { name: 'account', type: 'address' },
      ],
    },
    primaryType: 'KeyDerivation',
    message: { purpose: keyDerivationPurpose, account },
  } as const
}

export function deriveKeys(signature: Hex | Uint8Array): SalusKeys {
  const ikm = signatureBytes(signature)
  const expand = (label: string, length: number) => hkdf(sha256, ikm, salt, new TextEncoder().encode(label), length)
  // 48 bytes before reducing mod r keeps the bias below 2^-128.
  const identitySecret = bytesToBigInt(expand(labels.identitySecret, 48)) % bn254ScalarField
  if (identitySecret === 0n) throw new InvalidKeySignatureError('identity secret reduced to zero')
  return {
    identitySecret,
    preMasterSeed: expand(labels.preMasterSeed, 32),
    peerKeySeed: expand(labels.peerKeySeed, 32),
    vaultKey: expand(labels.vaultKey, 32),
  }
}

function signatureBytes(signature: Hex | Uint8Array): Uint8Array {
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
