import * as dagCbor from '@ipld/dag-cbor'
import * as umbral from '@nucypher/umbral-pre'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import type { Address } from 'viem'
import { maxCapsuleBytes, publicKeyFromBytes, recordSigner, scopeSecretKey } from '../../crypto/umbral.ts'
import { scopes as allScopes, type Scope } from '../scopes.ts'
import { MalformedBundleError, NoKeyFragmentError } from './consentErrors.ts'
import {
  addressPattern,
  bytesField,
  compressedKeyBytes,
  listField,
  mapField,
  scopeField,
  stringField,
  uintField,
  type Fail,
} from './untrustedFields.ts'

/**
 * The key-fragment bundle of one grant, published in IPFS (dag-cbor): per scope the
 * patient's t-of-n Umbral key fragments towards the grantee, each encrypted to its
 * proxy, so only that proxy can use it. Its CID is bound into the grant's proof.
 */
export const bundleVersion = 1
export const maxBundleBytes = 256 * 1024
export const maxBundleProxies = 16
export const bundleSaltBytes = 32
/** A kfrag is 310 bytes; its Umbral ciphertext adds 40. */
const maxSealedKfragBytes = 1024

export type BundleProxy = { address: Address; umbralPublicKey: Uint8Array }
export type SealedKeyFragment = { capsule: Uint8Array; ciphertext: Uint8Array }
export type BundleScope = { scope: Scope; epoch: number; delegatingKey: Uint8Array; kfrags: SealedKeyFragment[] }

export type KeyFragmentBundle = {
  v: typeof bundleVersion
  grantee: Address
  /** The grantee's Umbral public key, the one the fragments re-encrypt towards. */
  receivingKey: Uint8Array
  /** The patient's record signer, which signed every fragment. */
  verifyingKey: Uint8Array
  threshold: number
  /** Salt of the proxies commitment on chain. */
  salt: Uint8Array
  /** kfrags[i] of every scope belongs to proxies[i]. */
  proxies: BundleProxy[]
  scopes: BundleScope[]
}

export type BuildKeyFragmentBundleParameters = {
  preMasterSeed: Uint8Array
  grantee: Address
  receivingPublicKey: Uint8Array | umbral.PublicKey
  scopes: Scope[]
  epochs: Partial<Record<Scope, number>>
  proxies: { address: Address; umbralPublicKey: Uint8Array | umbral.PublicKey }[]
  threshold: number
  salt: Uint8Array
}

export type BuildKeyFragmentBundleReturnType = { bytes: Uint8Array; cid: CID; bundle: KeyFragmentBundle }

export async function buildKeyFragmentBundle(parameters: BuildKeyFragmentBundleParameters): Promise<BuildKeyFragmentBundleReturnType> {
  const { preMasterSeed, grantee, scopes, epochs, proxies, threshold, salt } = parameters
  const fail: Fail = (details) => {
    throw new TypeError(details)
  }
  stringField(grantee, 'grantee', fail, 42, addressPattern)
  bytesField(salt, 'salt', fail, bundleSaltBytes)
  listField(proxies, 'proxies', fail, 1, maxBundleProxies)
  uintField(threshold, 'threshold', fail, proxies.length, 1)
  listField(scopes, 'scopes', fail, 1, allScopes.length)
  if (new Set(scopes).size !== scopes.length) fail('scopes repeat')
  if (new Set(proxies.map((p) => p.address.toLowerCase())).size !== proxies.length) fail('proxies repeat')

  const receivingKey = keyBytes(parameters.receivingPublicKey)
  const proxyKeys = proxies.map((proxy) => {
    stringField(proxy.address, 'proxy address', fail, 42, addressPattern)
    return keyBytes(proxy.umbralPublicKey)
  })
  const receiving = publicKeyFromBytes(receivingKey)
  const proxyPublicKeys = proxyKeys.map(publicKeyFromBytes)
  const { signer, verifyingKey } = recordSigner(preMasterSeed)
  try {
    const bundleScopes = scopes.map((scope): BundleScope => {
      scopeField(scope, 'scope', fail)
      const epoch = uintField(epochs[scope], `epochs.${scope}`, fail, 0xffffffff)
      const delegating = scopeSecretKey(preMasterSeed, scope, epoch)
      const delegatingPublic = delegating.publicKey()
      const kfrags = umbral.generateKFrags(delegating, receiving, signer, threshold, proxies.length, true, true)
      try {
        return {
          scope,
          epoch,
          delegatingKey: delegatingPublic.toCompressedBytes(),
          kfrags: kfrags.map((kfrag, i) => {
            const [capsule, ciphertext] = umbral.encrypt(proxyPublicKeys[i]!, kfrag.toBytes())
            try {
              return { capsule: capsule.toBytes(), ciphertext }
            } finally {
              capsule.free()
            }
          }),
        }
      } finally {
        kfrags.forEach((kfrag) => kfrag.free())
        delegatingPublic.free()
        delegating.free()
      }
    })
    const bundle: KeyFragmentBundle = {
      v: bundleVersion,
      grantee: grantee.toLowerCase() as Address,
      receivingKey,
      verifyingKey: verifyingKey.toCompressedBytes(),
      threshold,
      salt,
      proxies: proxies.map((proxy, i) => ({ address: proxy.address.toLowerCase() as Address, umbralPublicKey: proxyKeys[i]! })),
      scopes: bundleScopes,
    }
    const bytes = dagCbor.encode(bundle)
    if (bytes.byteLength > maxBundleBytes) fail(`bundle of ${bytes.byteLength} bytes exceeds ${maxBundleBytes}`)
    return { bytes, cid: CID.createV1(dagCbor.code, await sha256.digest(bytes)), bundle: decodeKeyFragmentBundle(bytes) }
  } finally {
    receiving.free()
    proxyPublicKeys.forEach((key) => key.free())
    signer.free()
    verifyingKey.free()
  }
}

/** Decodes and checks every field and size; the keys are checked to be curve points. */
export function decodeKeyFragmentBundle(bytes: Uint8Array): KeyFragmentBundle {
  const fail: Fail = (details) => {
    throw new MalformedBundleError(details)
  }
  if (!(bytes instanceof Uint8Array)) fail('bundle is not bytes')
  if (bytes.byteLength > maxBundleBytes) fail(`bundle of ${bytes.byteLength} bytes exceeds ${maxBundleBytes}`)
  let decoded: unknown
  try {
    decoded = dagCbor.decode(bytes)
  } catch (cause) {
    throw new MalformedBundleError('bundle is not dag-cbor', { cause })
  }
  const top = mapField(decoded, 'bundle', fail, ['v', 'grantee', 'receivingKey', 'verifyingKey', 'threshold', 'salt', 'proxies', 'scopes'])
  if (top.v !== bundleVersion) fail(`unsupported bundle version ${String(top.v)}`)
  const proxies = listField(top.proxies, 'proxies', fail, 1, maxBundleProxies).map((item, i): BundleProxy => {
    const proxy = mapField(item, `proxies[${i}]`, fail, ['address', 'umbralPublicKey'])
    return {
      address: stringField(proxy.address, `proxies[${i}].address`, fail, 42, /^0x[0-9a-f]{40}$/) as Address,
      umbralPublicKey: pointField(proxy.umbralPublicKey, `proxies[${i}].umbralPublicKey`, fail),
    }
  })
  if (new Set(proxies.map((p) => p.address)).size !== proxies.length) fail('proxies repeat')
  const seen = new Set<Scope>()
  const bundleScopes = listField(top.scopes, 'scopes', fail, 1, allScopes.length).map((item, i): BundleScope => {
    const entry = mapField(item, `scopes[${i}]`, fail, ['scope', 'epoch', 'delegatingKey', 'kfrags'])
    const scope = scopeField(entry.scope, `scopes[${i}].scope`, fail)
    if (seen.has(scope)) fail(`scope ${scope} repeats`)
    seen.add(scope)
    const kfrags = listField(entry.kfrags, `scopes[${i}].kfrags`, fail, proxies.length, proxies.length).map((sealed, j) => {
      const fields = mapField(sealed, `scopes[${i}].kfrags[${j}]`, fail, ['capsule', 'ciphertext'])
      return {
        capsule: bytesField(fields.capsule, 'kfrag capsule', fail, 1, maxCapsuleBytes),
        ciphertext: bytesField(fields.ciphertext, 'kfrag ciphertext', fail, 1, maxSealedKfragBytes),
      }
    })
    return {
      scope,
      epoch: uintField(entry.epoch, `scopes[${i}].epoch`, fail, 0xffffffff),
      delegatingKey: pointField(entry.delegatingKey, `scopes[${i}].delegatingKey`, fail),
      kfrags,
    }
  })
  return {
    v: bundleVersion,
    grantee: stringField(top.grantee, 'grantee', fail, 42, /^0x[0-9a-f]{40}$/) as Address,
    receivingKey: pointField(top.receivingKey, 'receivingKey', fail),
    verifyingKey: pointField(top.verifyingKey, 'verifyingKey', fail),
    threshold: uintField(top.threshold, 'threshold', fail, proxies.length, 1),
    salt: bytesField(top.salt, 'salt', fail, bundleSaltBytes),
    proxies,
    scopes: bundleScopes,
  }
}

export type ProxyKeyFragment = { epoch: number; delegatingKey: Uint8Array; kfrag: umbral.VerifiedKeyFrag }

export type OpenedKeyFragments = {
  bundle: KeyFragmentBundle
  /** This proxy's verified fragment per granted scope. */
  fragments: Map<Scope, ProxyKeyFragment>
  /** Releases the wasm memory of the fragments. */
  free(): void
}

/**
 * A proxy's view of a bundle: decrypts the fragments sealed to it and verifies each
 * against the patient's signer, the scope's delegating key and the grantee's key.
 */
export function openMyKeyFragments(
  bundleBytes: Uint8Array,
  { proxyAddress, proxySecretKey }: { proxyAddress: Address; proxySecretKey: umbral.SecretKey },
): OpenedKeyFragments {
  const bundle = decodeKeyFragmentBundle(bundleBytes)
  const index = bundle.proxies.findIndex((proxy) => proxy.address === proxyAddress.toLowerCase())
  if (index < 0) throw new NoKeyFragmentError(`proxy ${proxyAddress} is not among the bundle's proxies`)
  const ownKey = proxySecretKey.publicKey()
  const listed = ownKey.toCompressedBytes()
  ownKey.free()
  if (!listed.every((byte, i) => byte === bundle.proxies[index]!.umbralPublicKey[i])) {
    throw new NoKeyFragmentError('the bundle lists another Umbral key for this proxy')
  }
  const fragments = new Map<Scope, ProxyKeyFragment>()
  const free = () => fragments.forEach(({ kfrag }) => kfrag.free())
  const verifying = umbral.PublicKey.fromCompressedBytes(bundle.verifyingKey)
  const receiving = umbral.PublicKey.fromCompressedBytes(bundle.receivingKey)
  try {
    for (const entry of bundle.scopes) {
      const sealed = entry.kfrags[index]!
      let capsule: umbral.Capsule | undefined
      let keyFrag: umbral.KeyFrag | undefined
      const delegating = umbral.PublicKey.fromCompressedBytes(entry.delegatingKey)
      try {
        capsule = umbral.Capsule.fromBytes(sealed.capsule)
        keyFrag = umbral.KeyFrag.fromBytes(umbral.decryptOriginal(proxySecretKey, capsule, sealed.ciphertext))
        const unverified = keyFrag
        keyFrag = undefined // verify consumes the wasm object, even when it throws
        const kfrag = unverified.verify(verifying, delegating, receiving)
        fragments.set(entry.scope, { epoch: entry.epoch, delegatingKey: entry.delegatingKey, kfrag })
      } catch (cause) {
        free()
        throw new NoKeyFragmentError(`the ${entry.scope} fragment for this proxy does not decrypt or verify`, { cause: asError(cause) })
      } finally {
        capsule?.free()
        keyFrag?.free()
        delegating.free()
      }
    }
  } finally {
    verifying.free()
    receiving.free()
  }
  return { bundle, fragments, free }
}

function keyBytes(key: Uint8Array | umbral.PublicKey): Uint8Array {
  const bytes = key instanceof Uint8Array ? key : key.toCompressedBytes()
  publicKeyFromBytes(bytes).free()
  return bytes
}

function pointField(value: unknown, what: string, fail: Fail): Uint8Array {
  const bytes = bytesField(value, what, fail, compressedKeyBytes)
  try {
    umbral.PublicKey.fromCompressedBytes(bytes).free()
  } catch {
    fail(`${what} is not a secp256k1 point`)
  }
  return bytes
}

/** Umbral's wasm throws strings; keep them as Error causes. */
function asError(cause: unknown): Error {
  return cause instanceof Error ? cause : new Error(String(cause))
}
