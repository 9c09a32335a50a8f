import { hkdfSync } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { privateKeyToAccount } from 'viem/accounts'
import { bytesToHex, hashTypedData, hexToBytes, recoverTypedDataAddress, serializeSignature, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { bn254ScalarField, deriveKeys, InvalidKeySignatureError, InvalidPasskeyOutputError, keyDerivationTypedData } from '../../src/core/keys/deriveKeys.ts'
import { passkeyPrfSalt } from '../../src/crypto/passkeyPrf.ts'
import { InvalidKeyVersionError } from '../../src/crypto/keyVersion.ts'
import { checkKeySignature, KeySignatureAccountMismatchError, NondeterministicWalletError } from '../../src/core/keys/checkKeySignature.ts'

// anvil's first default account: a fixed key gives a fixed signature (RFC 6979).
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')

describe('deriveKeys', () => {
  it('builds chain-independent EIP-712 typed data a wallet can sign', async () => {
    const typedData = keyDerivationTypedData(account.address)
    expect(typedData.domain).toEqual({ name: 'Salus', version: '1' })
    expect('chainId' in typedData.domain).toBe(false)
    expect(typedData.message.keyVersion).toBe(1)
    const signature = await account.signTypedData(typedData)
    expect(await recoverTypedDataAddress({ ...typedData, signature })).toBe(account.address)
    expect(hashTypedData(keyDerivationTypedData(account.address))).toBe(hashTypedData(typedData))
  })

  it('is deterministic, gives independent 32-byte keys, and an identity secret in the BN254 field', async () => {
    const signature = await account.signTypedData(keyDerivationTypedData(account.address))
    const keys = deriveKeys(signature)
    expect(deriveKeys(hexToBytes(signature))).toEqual(keys)
    expect(deriveKeys(await account.signTypedData(keyDerivationTypedData(account.address)))).toEqual(keys)
    expect(keys.keyVersion).toBe(1)
    expect(keys.originBound).toBe(false)
    for (const key of [keys.preMasterSeed, keys.peerKeySeed, keys.vaultKey]) expect(key).toHaveLength(32)
    const hexes = new Set([keys.preMasterSeed, keys.peerKeySeed, keys.vaultKey].map((k) => Buffer.from(k).toString('hex')))
    expect(hexes.size).toBe(3)
    expect(keys.identitySecret > 0n && keys.identitySecret < bn254ScalarField).toBe(true)
    expect(keys.identitySecret.toString(16)).not.toContain(Buffer.from(keys.preMasterSeed).toString('hex').slice(0, 16))
  })

  it('gives different keys for another account, and the same for v = 0/1 and 27/28', async () => {
    const other = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
    const mine = await account.signTypedData(keyDerivationTypedData(account.address))
    const theirs = await other.signTypedData(keyDerivationTypedData(other.address))
    expect(deriveKeys(theirs).vaultKey).not.toEqual(deriveKeys(mine).vaultKey)
    const bytes = hexToBytes(mine)
    const lowV = bytes.slice()
    lowV[64] = bytes[64]! - 27
    expect(deriveKeys(lowV)).toEqual(deriveKeys(bytes))
  })

  it('agrees with an independent HKDF (node:crypto) on salt, labels and field reduction', () => {
    const signature = new Uint8Array(65).fill(7)
    signature[64] = 28
    const keys = deriveKeys(signature)
    const expand = (label: string, length: number) => new Uint8Array(hkdfSync('sha256', signature, 'salus/v1', label, length))
    expect(keys.vaultKey).toEqual(expand('salus/vault-key/v1', 32))
    expect(keys.preMasterSeed).toEqual(expand('salus/pre-master/v1', 32))
    expect(keys.peerKeySeed).toEqual(expand('salus/libp2p-peer-key/v1', 32))
    const wide = BigInt(`0x${Buffer.from(expand('salus/identity-secret/v1', 48)).toString('hex')}`)
    expect(keys.identitySecret).toBe(wide % bn254ScalarField)
  })

  it('rejects signatures that are not 65 bytes or have a bad v', () => {
    expect(() => deriveKeys(new Uint8Array(64))).toThrow(InvalidKeySignatureError)
    expect(() => deriveKeys(`0x${'11'.repeat(66)}`)).toThrow(/65-byte/)
    expect(() => deriveKeys('not hex' as `0x${string}`)).toThrow(InvalidKeySignatureError)
    expect(() => deriveKeys(new Uint8Array(65).fill(5))).toThrow(/recovery byte/)
  })
})

const signatureBytes = () => {
  const bytes = new Uint8Array(65).fill(7)
  bytes[64] = 28
  return bytes
}
const prfA = new Uint8Array(32).fill(0xa1)
const prfB = new Uint8Array(32).fill(0xb2)

describe('deriveKeys with a key version and a passkey', () => {
  it('signs the version: each version has its own typed data and signature', async () => {
    const v1 = keyDerivationTypedData(account.address, 1)
    const v2 = keyDerivationTypedData(account.address, 2)
    expect(hashTypedData(v2)).not.toBe(hashTypedData(v1))
    const signature = await account.signTypedData(v2)
    expect(await recoverTypedDataAddress({ ...v2, signature })).toBe(account.address)
    expect(signature).not.toBe(await account.signTypedData(v1))
    expect(() => keyDerivationTypedData(account.address, 0)).toThrow(InvalidKeyVersionError)
  })

  it('gives unrelated keys for each version of the same signature and passkey output', () => {
    const one = deriveKeys(signatureBytes(), { keyVersion: 1, passkeyPrf: prfA })
    const two = deriveKeys(signatureBytes(), { keyVersion: 2, passkeyPrf: prfA })
    expect(two.keyVersion).toBe(2)
    for (const name of ['preMasterSeed', 'peerKeySeed', 'vaultKey'] as const) expect(two[name]).not.toEqual(one[name])
    expect(two.identitySecret).not.toBe(one.identitySecret)
  })

  it('mixes the passkey output in: the signature alone, or with another passkey, gives other keys', () => {
    const bound = deriveKeys(signatureBytes(), { passkeyPrf: prfA })
    expect(bound.originBound).toBe(true)
    expect(deriveKeys(signatureBytes(), { passkeyPrf: prfA })).toEqual(bound)
    const alone = deriveKeys(signatureBytes())
    const other = deriveKeys(signatureBytes(), { passkeyPrf: prfB })
    for (const keys of [alone, other]) {
      expect(keys.identitySecret).not.toBe(bound.identitySecret)
      expect(keys.vaultKey).not.toEqual(bound.vaultKey)
      expect(keys.preMasterSeed).not.toEqual(bound.preMasterSeed)
    }
  })

  it('agrees with an independent HKDF over signature ‖ PRF output, with versioned labels', () => {
    const keys = deriveKeys(signatureBytes(), { keyVersion: 3, passkeyPrf: prfA })
    const ikm = Buffer.concat([signatureBytes(), prfA])
    const expand = (label: string, length: number) => new Uint8Array(hkdfSync('sha256', ikm, 'salus/passkey/v1', label, length))
    expect(keys.vaultKey).toEqual(expand('salus/vault-key/v3', 32))
    expect(keys.preMasterSeed).toEqual(expand('salus/pre-master/v3', 32))
    expect(keys.peerKeySeed).toEqual(expand('salus/libp2p-peer-key/v3', 32))
    const wide = BigInt(`0x${Buffer.from(expand('salus/identity-secret/v3', 48)).toString('hex')}`)
    expect(keys.identitySecret).toBe(wide % bn254ScalarField)
    expect(passkeyPrfSalt).toHaveLength(32)
  })

  it('rejects a passkey output that is not 32 bytes and a version that is not a counter', () => {
    expect(() => deriveKeys(signatureBytes(), { passkeyPrf: new Uint8Array(16) })).toThrow(InvalidPasskeyOutputError)
    expect(() => deriveKeys(signatureBytes(), { passkeyPrf: 'x' as unknown as Uint8Array })).toThrow(InvalidPasskeyOutputError)
    for (const keyVersion of [0, -1, 1.5, Number.NaN, 2_000_000]) {
      expect(() => deriveKeys(signatureBytes(), { keyVersion })).toThrow(InvalidKeyVersionError)
    }
  })
})

/** A wallet that signs with fresh randomness (valid ECDSA, different every time), as some hardware wallets do. */
function randomizingSigner(privateKey: Hex, keyVersion: number) {
  return async (): Promise<Hex> => {
    const digest = hexToBytes(hashTypedData(keyDerivationTypedData(privateKeyToAccount(privateKey).address, keyVersion)))
    const sig = secp256k1.sign(digest, hexToBytes(privateKey), { extraEntropy: true, prehash: false, format: 'recovered' })
    return serializeSignature({ r: bytesToHex(sig.slice(1, 33)), s: bytesToHex(sig.slice(33, 65)), yParity: sig[0]! })
  }
}

describe('checkKeySignature on first use', () => {
  const privateKey: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

  it('accepts a deterministic wallet that signs as the account, after asking twice', async () => {
    let asked = 0
    const sign = () => (asked++, account.signTypedData(keyDerivationTypedData(account.address, 2)))
    const signature = await checkKeySignature({ account: account.address, keyVersion: 2, sign })
    expect(asked).toBe(2)
    expect(signature).toBe(await account.signTypedData(keyDerivationTypedData(account.address, 2)))
  })

  it('catches a wallet that signs differently each time, with a sentence to act on', async () => {
    const sign = randomizingSigner(privateKey, 1)
    const [a, b] = [await sign(), await sign()]
    // Both are valid signatures by the account, so only asking twice tells them apart.
    expect(await recoverTypedDataAddress({ ...keyDerivationTypedData(account.address, 1), signature: a })).toBe(account.address)
    expect(await recoverTypedDataAddress({ ...keyDerivationTypedData(account.address, 1), signature: b })).toBe(account.address)
    expect(a).not.toBe(b)
    expect(deriveKeys(a).identitySecret).not.toBe(deriveKeys(b).identitySecret)
    const outcome = checkKeySignature({ account: account.address, keyVersion: 1, sign })
    await expect(outcome).rejects.toBeInstanceOf(NondeterministicWalletError)
    await expect(checkKeySignature({ account: account.address, keyVersion: 1, sign })).rejects.toThrow(/two different signatures/)
  })

  it('catches a signature by another account, or for another version', async () => {
    const other = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
    const byOther = () => other.signTypedData(keyDerivationTypedData(account.address, 1))
    await expect(checkKeySignature({ account: account.address, keyVersion: 1, sign: byOther })).rejects.toBeInstanceOf(
      KeySignatureAccountMismatchError,
    )
    const oldVersion = () => account.signTypedData(keyDerivationTypedData(account.address, 1))
    await expect(checkKeySignature({ account: account.address, keyVersion: 2, sign: oldVersion })).rejects.toBeInstanceOf(
      KeySignatureAccountMismatchError,
    )
    const garbage = async () => '0x1234' as Hex
    await expect(checkKeySignature({ account: account.address, keyVersion: 1, sign: garbage })).rejects.toBeInstanceOf(InvalidKeySignatureError)
  })
})
