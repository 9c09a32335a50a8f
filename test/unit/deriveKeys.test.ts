import { hkdfSync } from 'node:crypto'
import { privateKeyToAccount } from 'viem/accounts'
import { hashTypedData, hexToBytes, recoverTypedDataAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { bn254ScalarField, deriveKeys, InvalidKeySignatureError, keyDerivationTypedData } from '../../src/core/keys/deriveKeys.ts'

// anvil's first default account: a fixed key gives a fixed signature (RFC 6979).
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')

describe('deriveKeys', () => {
  it('builds chain-independent EIP-712 typed data a wallet can sign', async () => {
    const typedData = keyDerivationTypedData(account.address)
    expect(typedData.domain).toEqual({ name: 'Salus', version: '1' })
    expect('chainId' in typedData.domain).toBe(false)
    const signature = await account.signTypedData(typedData)
    expect(await recoverTypedDataAddress({ ...typedData, signature })).toBe(account.address)
    expect(hashTypedData(keyDerivationTypedData(account.address))).toBe(hashTypedData(typedData))
  })

  it('is deterministic, gives independent 32-byte keys, and an identity secret in the BN254 field', async () => {
    const signature = await account.signTypedData(keyDerivationTypedData(account.address))
    const keys = deriveKeys(signature)
    expect(deriveKeys(hexToBytes(signature))).toEqual(keys)
    expect(deriveKeys(await account.signTypedData(keyDerivationTypedData(account.address)))).toEqual(keys)
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
