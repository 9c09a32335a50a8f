// SPDX-License-Identifier: GPL-3.0-or-later
import { CID } from 'multiformats/cid'
import { encodeAbiParameters, keccak256, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { snarkScalarField } from '../../src/zk/field.ts'
import {
  GRANT_DOMAIN,
  REVOKE_DOMAIN,
  addressToField,
  cidToField,
  grantParamsHash,
  proxiesHash,
  revokeParamsHash,
  scopesMask,
  type GrantParams,
} from '../../src/zk/grantHash.ts'

/** abi.encode of static values is one 32-byte big-endian word each: built by hand, not by viem. */
const words = (...values: bigint[]): Hex => `0x${values.map((v) => v.toString(16).padStart(64, '0')).join('')}`

const proxies = ['0x90F79bf6EB2c4f870365E785982E1f101E93b906', '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65'] as const
const cid = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const deployment = { chainId: 31337, consent: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const
const grant: GrantParams = {
  ...deployment,
  grantee: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  scopesMask: scopesMask(['summary', 'labs']),
  expiry: 1_900_000_000,
  proxiesHash: proxiesHash(proxies),
  threshold: 2,
  bundleCid: cid,
}

describe('grantParamsHash', () => {
  it('follows the documented encoding exactly', async () => {
    const cidDigest = keccak256(CID.parse(cid).bytes)
    const proxyHash = BigInt(keccak256(encodeAbiParameters([{ type: 'address[]' }], [proxies]))) >> 8n
    expect(grant.proxiesHash).toBe(proxyHash)
    expect(cidToField(cid)).toBe(BigInt(cidDigest) >> 8n)
    expect(cidToField(CID.parse(cid))).toBe(BigInt(cidDigest) >> 8n)
    const chainAndContract = [31337n, BigInt(deployment.consent)]
    const encoded = words(GRANT_DOMAIN, ...chainAndContract, BigInt(grant.grantee), 0b100001n, 1_900_000_000n, proxyHash, 2n, BigInt(cidDigest))
    const expected = BigInt(keccak256(encoded)) >> 8n
    expect(await grantParamsHash(grant)).toBe(expected)
    expect(expected).toBeLessThan(snarkScalarField)
    expect(await revokeParamsHash({ ...deployment, grantId: 3n })).toBe(BigInt(keccak256(words(REVOKE_DOMAIN, ...chainAndContract, 3n))) >> 8n)
    // A lower-case address is the same grantee, or the same contract; a bigint chain id the same chain.
    const lower = (address: string) => address.toLowerCase() as GrantParams['grantee']
    expect(await grantParamsHash({ ...grant, grantee: lower(grant.grantee), consent: lower(grant.consent), chainId: 31337n })).toBe(expected)
  })

  it('uses the documented ASCII domain tags', () => {
    expect(Buffer.from(GRANT_DOMAIN.toString(16), 'hex').toString()).toBe('salus.grant.v2')
    expect(Buffer.from(REVOKE_DOMAIN.toString(16), 'hex').toString()).toBe('salus.revoke.v2')
  })

  it('changes when any parameter changes', async () => {
    const base = await grantParamsHash(grant)
    const variants: Partial<GrantParams>[] = [
      { grantee: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' },
      { scopesMask: scopesMask(['summary']) },
      { expiry: 1_900_000_001 },
      { proxiesHash: proxiesHash([proxies[0]]) },
      { threshold: 1 },
      { bundleCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' },
      // Another chain, or another Consent (a redeploy): the proof must not replay there.
      { chainId: 1 },
      { consent: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' },
    ]
    const hashes = await Promise.all(variants.map((v) => grantParamsHash({ ...grant, ...v })))
    expect(new Set([base, ...hashes]).size).toBe(variants.length + 1)
  })

  it('binds a revocation to its deployment and grant', async () => {
    const base = await revokeParamsHash({ ...deployment, grantId: 1n })
    const hashes = await Promise.all([
      revokeParamsHash({ ...deployment, grantId: 2n }),
      revokeParamsHash({ ...deployment, chainId: 1, grantId: 1n }),
      revokeParamsHash({ chainId: 31337, consent: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512', grantId: 1n }),
    ])
    expect(new Set([base, ...hashes]).size).toBe(4)
  })

  it('refuses values outside their encodings', async () => {
    await expect(grantParamsHash({ ...grant, scopesMask: 0 })).rejects.toThrow(/at least one record scope/)
    await expect(grantParamsHash({ ...grant, scopesMask: 1 << 10 })).rejects.toMatchObject({ name: 'ProofInputError' })
    await expect(grantParamsHash({ ...grant, threshold: 0 })).rejects.toThrow(/threshold/)
    await expect(grantParamsHash({ ...grant, threshold: 256 })).rejects.toThrow(/out of range/)
    await expect(grantParamsHash({ ...grant, expiry: 2n ** 64n })).rejects.toThrow(/out of range/)
    await expect(grantParamsHash({ ...grant, expiry: 1.5 })).rejects.toThrow(/whole number/)
    await expect(grantParamsHash({ ...grant, proxiesHash: snarkScalarField })).rejects.toThrow(/out of range/)
    await expect(grantParamsHash({ ...grant, proxiesHash: 1n << 248n })).rejects.toThrow(/out of range/)
    await expect(grantParamsHash({ ...grant, grantee: '0x1234' })).rejects.toThrow(/not a valid Ethereum address/)
    await expect(grantParamsHash({ ...grant, bundleCid: 'not a cid' })).rejects.toThrow(/content ID/)
    await expect(revokeParamsHash({ ...deployment, grantId: -1n })).rejects.toThrow(/out of range/)
    await expect(revokeParamsHash({ ...deployment, grantId: 1n << 256n })).rejects.toThrow(/out of range/)
    // A missing or malformed deployment is refused, never hashed as zero.
    await expect(grantParamsHash({ ...grant, chainId: 0 })).rejects.toThrow(/chain id/)
    await expect(grantParamsHash({ ...grant, chainId: -1 })).rejects.toThrow(/out of range/)
    await expect(grantParamsHash({ ...grant, chainId: undefined as unknown as number })).rejects.toMatchObject({ name: 'ProofInputError' })
    await expect(revokeParamsHash({ ...deployment, consent: '0x0000000000000000000000000000000000000000', grantId: 1n })).rejects.toThrow(/consent contract/)
    await expect(revokeParamsHash({ ...deployment, consent: undefined as unknown as GrantParams['consent'], grantId: 1n })).rejects.toThrow(/consent contract/)
    expect(() => scopesMask(['summary', 'x' as 'summary'])).toThrow(/not a record scope/)
    expect(addressToField('0x0000000000000000000000000000000000000001')).toBe(1n)
  })
})
