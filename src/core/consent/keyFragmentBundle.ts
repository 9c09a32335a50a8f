import * as dagCbor from '@ipld/dag-cbor'
import * as umbral from '../../crypto/umbral.ts'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import type { Address } from 'viem'
import { maxCapsuleBytes, publicKeyFromBytes, signBytes, verifyBytes } from '../../crypto/umbral.ts'
import { scopeSecretKey } from '../keys/scopeSecretKey.ts'
import { openSmall, sealSmall } from '../../crypto/xchacha.ts'
import { scopes as allScopes, type Scope } from '../scopes.ts'
import { MalformedBundleError, NoKeyFragmentError } from './consentErrors.ts'
import {
  addressPattern,
  bytesField,
  compressedKeyBytes,
  domainSeparated,
  listField,
  mapField,
  scopeField,
  signatureBytes,
  stringField,
  uintField,
  type Fail,
} from './untrustedFields.ts'

/**
 * The key-fragment bundle of one grant, published in IPFS (dag-cbor).
 *
 * Outside, it is ciphertext: a fresh body key wrapped (Umbral) to each proxy and to the
 * grantee, in random order, and the body sealed with it (XChaCha20-Poly1305). A chain
 * observer or storage peer sees no key of the patient's, so two grants of one patient
 * share nothing (issue 8, point 3).
 *
 * Inside: per scope and epoch the patient's t-of-n Umbral key fragments towards the
 * grantee, each sealed again to its proxy; the fragments are signed by a key made for
 * this grant alone (`grantKey`), which also signs the *binding*: chain id, Consent
 * address, pseudonym, grantee, scopes, expiry, threshold, proxies and salt. Proxies
 * compare the binding with the grant on chain before every re-encryption, so a grant
 * that anyone but the patient makes (a revoked doctor proving a new grant with a random
 * secret over this bundle's CID) opens nothing: it cannot carry the patient's pseudonym,
 * and the fragments verify only against the grant key that signed this binding.
 */
export const bundleVersion = 2
export const maxBundleBytes = 256 * 1024
export const maxBundleProxies = 16
export const bundleSaltBytes = 32
/** Epochs of one scope a bundle carries (records sealed in older epochs stay readable after a rotation). */
export const maxBundleEpochs = 32
/** A kfrag is 310 bytes; its Umbral ciphertext adds 40. */
const maxSealedKfragBytes = 1024
const bodyKeyBytes = 32
const bindingDomain = 'salus.grant-binding.v1'
const bodyAad = new TextEncoder().encode('salus.bundle-body.v2')

export type BundleProxy = { address: Address; umbralPublicKey: Uint8Array }
export type SealedKeyFragment = { capsule: Uint8Array; ciphertext: Uint8Array }
export type BundleEpoch = { epoch: number; delegatingKey: Uint8Array; kfrags: SealedKeyFragment[] }
export type BundleScope = { scope: Scope; epochs: BundleEpoch[] }

/**
 * How the grantee reaches the patient for this grant (issue 10): the patient's mailbox
 * address for the grant (core/careLoop/mailboxKeys.ts) and, for online delivery, their
 * peer id. Sealed to the grantee's receiving key inside the body, so proxies (care nodes)
 * that open the bundle do not see it; signed with everything else by the grant key.
 */
export type GrantContact = { mailbox: Uint8Array; peerId?: string }
export const maxSealedContactBytes = 512
const maxContactPeerIdLength = 128
/** A libp2p peer id as text (base58btc multihash or a CIDv1 in base32). */
const peerIdPattern = /^(?:[1-9A-HJ-NP-Za-km-z]{46,60}|b[a-z2-7]{50,70})$/

/** What the patient binds a bundle to: one grant on one Consent deployment. */
export type GrantBinding = {
  chainId: number
  consent: Address
  /** Poseidon(identitySecret, grantee): only the patient can prove a grant with it. */
  pseudonym: bigint
  /** Unix seconds, as in the grant. */
  expiry: number
}

/** The opened body of a bundle. */
export type KeyFragmentBundle = {
  v: typeof bundleVersion
  grantee: Address
  /** The grantee's Umbral public key, the one the fragments re-encrypt towards. */
  receivingKey: Uint8Array
  /** Made for this grant alone: signed every fragment and the binding. */
  grantKey: Uint8Array
  /** The patient's record signer: signs their records and scope manifests (only grantee and proxies see it). */
  author: Uint8Array
  threshold: number
  /** Salt of the proxies commitment on chain. */
  salt: Uint8Array
  /** kfrags[i] of every scope and epoch belongs to proxies[i]. */
  proxies: BundleProxy[]
  scopes: BundleScope[]
  binding: GrantBinding
  /** Optional (older bundles have none): the patient's contact for this grant, sealed to the grantee (openGrantContact). */
  contact?: SealedKeyFragment
  /** grantKey's signature over the binding and every field above. */
  signature: Uint8Array
}

export type BuildKeyFragmentBundleParameters = {
  preMasterSeed: Uint8Array
  /** The patient's record signer's public key (recordSigner(preMasterSeed).verifyingKey). */
  author: Uint8Array | umbral.PublicKey
  grantee: Address
  receivingPublicKey: Uint8Array | umbral.PublicKey
  scopes: Scope[]
  /** Per scope, the epochs to give fragments for (the current one and those the scope's records are sealed in). */
  epochs: Partial<Record<Scope, number | readonly number[]>>
  proxies: { address: Address; umbralPublicKey: Uint8Array | umbral.PublicKey }[]
  threshold: number
  salt: Uint8Array
  binding: GrantBinding
  /** The patient's mailbox address for this grant and peer id, sealed to the grantee. */
  contact?: GrantContact
}

export type BuildKeyFragmentBundleReturnType = { bytes: Uint8Array; cid: CID; bundle: KeyFragmentBundle }

export async function buildKeyFragmentBundle(parameters: BuildKeyFragmentBundleParameters): Promise<BuildKeyFragmentBundleReturnType> {
  const { preMasterSeed, grantee, scopes, epochs, proxies, threshold, salt, binding } = parameters
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
  checkBinding(binding, fail)
  if (parameters.contact !== undefined) checkContact(parameters.contact, fail)

  const receivingKey = keyBytes(parameters.receivingPublicKey)
  const proxyKeys = proxies.map((proxy) => {
    stringField(proxy.address, 'proxy address', fail, 42, addressPattern)
    return keyBytes(proxy.umbralPublicKey)
  })
  const receiving = publicKeyFromBytes(receivingKey)
  const proxyPublicKeys = proxyKeys.map(publicKeyFromBytes)
  const grantSecret = umbral.SecretKey.random()
  const signer = new umbral.Signer(grantSecret)
  const grantPublic = signer.verifyingKey()
  try {
    const bundleScopes = scopes.map((scope): BundleScope => {
      scopeField(scope, 'scope', fail)
      const wanted = epochs[scope]
      const list = [...new Set(typeof wanted === 'number' ? [wanted] : (wanted ?? []))].sort((a, b) => a - b)
      listField(list, `epochs.${scope}`, fail, 1, maxBundleEpochs)
      return {
        scope,
        epochs: list.map((epoch): BundleEpoch => {
          uintField(epoch, `epochs.${scope}`, fail, 0xffffffff)
          const delegating = scopeSecretKey(preMasterSeed, scope, epoch)
          const delegatingPublic = delegating.publicKey()
          const kfrags = umbral.generateKFrags(delegating, receiving, signer, threshold, proxies.length, true, true)
          try {
            return {
              epoch,
              delegatingKey: delegatingPublic.toCompressedBytes(),
              kfrags: kfrags.map((kfrag, i) => sealTo(proxyPublicKeys[i]!, kfrag.toBytes())),
            }
          } finally {
            kfrags.forEach((kfrag) => kfrag.free())
            delegatingPublic.free()
            delegating.free()
          }
        }),
      }
    })
    const unsigned: Omit<KeyFragmentBundle, 'signature'> = {
      v: bundleVersion,
      grantee: grantee.toLowerCase() as Address,
      receivingKey,
      grantKey: grantPublic.toCompressedBytes(),
      author: keyBytes(parameters.author),
      threshold,
      salt,
      proxies: proxies.map((proxy, i) => ({ address: proxy.address.toLowerCase() as Address, umbralPublicKey: proxyKeys[i]! })),
      scopes: bundleScopes,
      binding: { ...binding, consent: binding.consent.toLowerCase() as Address },
      ...(parameters.contact ? { contact: sealTo(receiving, dagCbor.encode(contactWire(parameters.contact))) } : {}),
    }
    const body = toWire({ ...unsigned, signature: signBytes(signer, bindingMessage(unsigned)) })
    const bytes = sealKeyFragmentBundle(body, [...proxyPublicKeys, receiving])
    if (bytes.byteLength > maxBundleBytes) fail(`bundle of ${bytes.byteLength} bytes exceeds ${maxBundleBytes}`)
    return { bytes, cid: CID.createV1(dagCbor.code, await sha256.digest(bytes)), bundle: decodeBody(dagCbor.encode(body)) }
  } finally {
    receiving.free()
    proxyPublicKeys.forEach((key) => key.free())
    grantPublic.free()
    signer.free()
    grantSecret.free()
  }
}

/**
 * The outer layer: a fresh body key wrapped to each recipient, in random order, and the
 * dag-cbor body sealed with it. `body` is the wire form of a bundle (what
 * openKeyFragmentBundle checks); buildKeyFragmentBundle makes it.
 */
export function sealKeyFragmentBundle(body: Record<string, unknown>, recipients: readonly umbral.PublicKey[]): Uint8Array {
  const bodyKey = crypto.getRandomValues(new Uint8Array(bodyKeyBytes))
  const wrapped = shuffle(recipients.map((key) => sealTo(key, bodyKey)))
  return dagCbor.encode({ v: bundleVersion, recipients: wrapped, body: sealSmall(bodyKey, dagCbor.encode(body), bodyAad) })
}

/** The wire form of an opened bundle (the pseudonym as 32 bytes), for sealKeyFragmentBundle. */
export function keyFragmentBundleWire(bundle: KeyFragmentBundle): Record<string, unknown> {
  return toWire(bundle)
}

/**
 * Opens a bundle with one of its recipients' keys (a proxy's or the grantee's), then
 * checks every field, size and key, and the grant key's signature over the binding.
 * Throws MalformedBundleError (bad shape or signature) or NoKeyFragmentError (not a recipient).
 */
export function openKeyFragmentBundle(bytes: Uint8Array, secretKey: umbral.SecretKey): KeyFragmentBundle {
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
  const top = mapField(decoded, 'bundle', fail, ['v', 'recipients', 'body'])
  if (top.v !== bundleVersion) fail(`unsupported bundle version ${String(top.v)}`)
  const recipients = listField(top.recipients, 'recipients', fail, 2, maxBundleProxies + 1).map((item, i) => {
    const fields = mapField(item, `recipients[${i}]`, fail, ['capsule', 'ciphertext'])
    return { capsule: bytesField(fields.capsule, 'recipient capsule', fail, 1, maxCapsuleBytes), ciphertext: bytesField(fields.ciphertext, 'recipient ciphertext', fail, 1, 128) }
  })
  const sealedBody = bytesField(top.body, 'body', fail, 1, maxBundleBytes)
  let bodyKey: Uint8Array | undefined
  for (const recipient of recipients) {
    bodyKey = openSealed(secretKey, recipient)
    if (bodyKey?.byteLength === bodyKeyBytes) break
    bodyKey = undefined
  }
  if (!bodyKey) throw new NoKeyFragmentError('this bundle is not addressed to this key')
  let body: Uint8Array
  try {
    body = openSmall(bodyKey, sealedBody, bodyAad)
  } catch (cause) {
    throw new MalformedBundleError('the bundle body does not decrypt', { cause })
  }
  return decodeBody(body)
}

export type ProxyKeyFragment = { epoch: number; delegatingKey: Uint8Array; kfrag: umbral.VerifiedKeyFrag }

export type OpenedKeyFragments = {
  bundle: KeyFragmentBundle
  /** This proxy's verified fragment per granted scope and epoch. */
  fragments: Map<Scope, Map<number, ProxyKeyFragment>>
  /** Releases the wasm memory of the fragments. */
  free(): void
}

/**
 * A proxy's view of a bundle: opens it, decrypts the fragments sealed to it and
 * verifies each against the grant key, the scope's delegating key and the grantee's key.
 */
export function openMyKeyFragments(
  bundleBytes: Uint8Array,
  { proxyAddress, proxySecretKey }: { proxyAddress: Address; proxySecretKey: umbral.SecretKey },
): OpenedKeyFragments {
  const bundle = openKeyFragmentBundle(bundleBytes, proxySecretKey)
  const index = bundle.proxies.findIndex((proxy) => proxy.address === proxyAddress.toLowerCase())
  if (index < 0) throw new NoKeyFragmentError(`proxy ${proxyAddress} is not among the bundle's proxies`)
  const ownKey = proxySecretKey.publicKey()
  const listed = ownKey.toCompressedBytes()
  ownKey.free()
  if (!listed.every((byte, i) => byte === bundle.proxies[index]!.umbralPublicKey[i])) {
    throw new NoKeyFragmentError('the bundle lists another Umbral key for this proxy')
  }
  const fragments = new Map<Scope, Map<number, ProxyKeyFragment>>()
  const free = () => fragments.forEach((epochs) => epochs.forEach(({ kfrag }) => kfrag.free()))
  const verifying = umbral.PublicKey.fromCompressedBytes(bundle.grantKey)
  const receiving = umbral.PublicKey.fromCompressedBytes(bundle.receivingKey)
  try {
    for (const entry of bundle.scopes) {
      const epochs = new Map<number, ProxyKeyFragment>()
      fragments.set(entry.scope, epochs)
      for (const { epoch, delegatingKey, kfrags } of entry.epochs) {
        let keyFrag: umbral.KeyFrag | undefined
        const delegating = umbral.PublicKey.fromCompressedBytes(delegatingKey)
        try {
          const plain = openSealed(proxySecretKey, kfrags[index]!)
          if (!plain) throw new Error('does not decrypt')
          keyFrag = umbral.KeyFrag.fromBytes(plain)
          const unverified = keyFrag
          keyFrag = undefined // verify consumes the wasm object, even when it throws
          epochs.set(epoch, { epoch, delegatingKey, kfrag: unverified.verify(verifying, delegating, receiving) })
        } catch (cause) {
          free()
          throw new NoKeyFragmentError(`the ${entry.scope} fragment of epoch ${epoch} for this proxy does not decrypt or verify`, { cause: asError(cause) })
        } finally {
          keyFrag?.free()
          delegating.free()
        }
      }
    }
  } finally {
    verifying.free()
    receiving.free()
  }
  return { bundle, fragments, free }
}

/**
 * The grantee's view of the patient's contact for this grant, with their receiving key.
 * Undefined for a bundle made before contacts existed; MalformedBundleError when one is
 * there but does not open or is not well formed.
 */
export function openGrantContact(bundle: Pick<KeyFragmentBundle, 'contact'>, receivingSecretKey: umbral.SecretKey): GrantContact | undefined {
  if (!bundle.contact) return undefined
  const fail: Fail = (details) => {
    throw new MalformedBundleError(details)
  }
  const plain = openSealed(receivingSecretKey, bundle.contact)
  if (!plain) fail('the contact is not sealed to this receiving key')
  let decoded: unknown
  try {
    decoded = dagCbor.decode(plain)
  } catch (cause) {
    throw new MalformedBundleError('the contact is not dag-cbor', { cause })
  }
  const m = mapField(decoded, 'contact', fail, ['mailbox', 'peerId'])
  const contact: GrantContact = { mailbox: pointField(m.mailbox, 'contact.mailbox', fail) }
  if (m.peerId !== undefined) contact.peerId = stringField(m.peerId, 'contact.peerId', fail, maxContactPeerIdLength, peerIdPattern)
  return contact
}

function checkContact(contact: GrantContact, fail: Fail): void {
  mapField(contact, 'contact', fail, ['mailbox', 'peerId'])
  bytesField(contact.mailbox, 'contact.mailbox', fail, compressedKeyBytes)
  if (contact.peerId !== undefined) stringField(contact.peerId, 'contact.peerId', fail, maxContactPeerIdLength, peerIdPattern)
}

function contactWire(contact: GrantContact): Record<string, unknown> {
  return { mailbox: contact.mailbox, ...(contact.peerId === undefined ? {} : { peerId: contact.peerId }) }
}

/** The scopes bitmask of a bundle, as the Consent contract keeps it (bit i = scopes[i]). */
export function bundleScopesMask(bundle: Pick<KeyFragmentBundle, 'scopes'>): number {
  return bundle.scopes.reduce((mask, entry) => mask | (1 << allScopes.indexOf(entry.scope)), 0)
}

function decodeBody(bytes: Uint8Array): KeyFragmentBundle {
  const fail: Fail = (details) => {
    throw new MalformedBundleError(details)
  }
  let decoded: unknown
  try {
    decoded = dagCbor.decode(bytes)
  } catch (cause) {
    throw new MalformedBundleError('bundle body is not dag-cbor', { cause })
  }
  const top = mapField(decoded, 'bundle body', fail, ['v', 'grantee', 'receivingKey', 'grantKey', 'author', 'threshold', 'salt', 'proxies', 'scopes', 'binding', 'contact', 'signature'])
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
    const entry = mapField(item, `scopes[${i}]`, fail, ['scope', 'epochs'])
    const scope = scopeField(entry.scope, `scopes[${i}].scope`, fail)
    if (seen.has(scope)) fail(`scope ${scope} repeats`)
    seen.add(scope)
    let last = -1
    const epochs = listField(entry.epochs, `scopes[${i}].epochs`, fail, 1, maxBundleEpochs).map((value, j): BundleEpoch => {
      const fields = mapField(value, `scopes[${i}].epochs[${j}]`, fail, ['epoch', 'delegatingKey', 'kfrags'])
      const epoch = uintField(fields.epoch, `scopes[${i}].epochs[${j}].epoch`, fail, 0xffffffff)
      if (epoch <= last) fail(`${scope} epochs are not in increasing order`)
      last = epoch
      const kfrags = listField(fields.kfrags, `${scope}/${epoch} kfrags`, fail, proxies.length, proxies.length).map((sealed, k) => {
        const parts = mapField(sealed, `${scope}/${epoch} kfrags[${k}]`, fail, ['capsule', 'ciphertext'])
        return {
          capsule: bytesField(parts.capsule, 'kfrag capsule', fail, 1, maxCapsuleBytes),
          ciphertext: bytesField(parts.ciphertext, 'kfrag ciphertext', fail, 1, maxSealedKfragBytes),
        }
      })
      return { epoch, delegatingKey: pointField(fields.delegatingKey, `${scope}/${epoch} delegatingKey`, fail), kfrags }
    })
    return { scope, epochs }
  })
  const b = mapField(top.binding, 'binding', fail, ['chainId', 'consent', 'pseudonym', 'expiry'])
  const pseudonymBytes = bytesField(b.pseudonym, 'binding.pseudonym', fail, 32)
  const binding: GrantBinding = {
    chainId: uintField(b.chainId, 'binding.chainId', fail, Number.MAX_SAFE_INTEGER, 1),
    consent: stringField(b.consent, 'binding.consent', fail, 42, /^0x[0-9a-f]{40}$/) as Address,
    pseudonym: BigInt(`0x${Array.from(pseudonymBytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`),
    expiry: uintField(b.expiry, 'binding.expiry', fail, 2 ** 40 - 1, 1),
  }
  const bundle: KeyFragmentBundle = {
    v: bundleVersion,
    grantee: stringField(top.grantee, 'grantee', fail, 42, /^0x[0-9a-f]{40}$/) as Address,
    receivingKey: pointField(top.receivingKey, 'receivingKey', fail),
    grantKey: pointField(top.grantKey, 'grantKey', fail),
    author: pointField(top.author, 'author', fail),
    threshold: uintField(top.threshold, 'threshold', fail, proxies.length, 1),
    salt: bytesField(top.salt, 'salt', fail, bundleSaltBytes),
    proxies,
    scopes: bundleScopes,
    binding,
    signature: bytesField(top.signature, 'signature', fail, signatureBytes),
  }
  if (top.contact !== undefined) {
    const sealed = mapField(top.contact, 'contact', fail, ['capsule', 'ciphertext'])
    bundle.contact = {
      capsule: bytesField(sealed.capsule, 'contact capsule', fail, 1, maxCapsuleBytes),
      ciphertext: bytesField(sealed.ciphertext, 'contact ciphertext', fail, 1, maxSealedContactBytes),
    }
  }
  if (!verifyBytes(bundle.grantKey, bindingMessage(bundle), bundle.signature)) fail('the grant key’s signature over the bundle does not verify')
  return bundle
}

/** Everything but the signature, domain-separated: what the grant key signs. */
function bindingMessage(bundle: Omit<KeyFragmentBundle, 'signature'>): Uint8Array {
  const { signature: _, ...unsigned } = toWire({ ...bundle, signature: new Uint8Array(0) })
  return domainSeparated(bindingDomain, dagCbor.encode(unsigned))
}

/** dag-cbor has no bigint above 64 bits: the pseudonym travels as 32 bytes. */
function toWire(bundle: KeyFragmentBundle): Record<string, unknown> {
  return { ...bundle, binding: { ...bundle.binding, pseudonym: bigintBytes(bundle.binding.pseudonym) } }
}

function checkBinding(binding: GrantBinding, fail: Fail): void {
  uintField(binding.chainId, 'binding.chainId', fail, Number.MAX_SAFE_INTEGER, 1)
  stringField(binding.consent, 'binding.consent', fail, 42, addressPattern)
  uintField(binding.expiry, 'binding.expiry', fail, 2 ** 40 - 1, 1)
  if (typeof binding.pseudonym !== 'bigint' || binding.pseudonym < 0n || binding.pseudonym >> 256n !== 0n) fail('binding.pseudonym is not a 256-bit integer')
}

function bigintBytes(value: bigint): Uint8Array {
  const hex = value.toString(16).padStart(64, '0')
  return Uint8Array.from({ length: 32 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16))
}

function sealTo(publicKey: umbral.PublicKey, plaintext: Uint8Array): SealedKeyFragment {
  const [capsule, ciphertext] = umbral.encrypt(publicKey, plaintext)
  try {
    return { capsule: capsule.toBytes(), ciphertext }
  } finally {
    capsule.free()
  }
}

/** Undefined when the capsule is not for this key (or malformed). */
function openSealed(secretKey: umbral.SecretKey, sealed: SealedKeyFragment): Uint8Array | undefined {
  let capsule: umbral.Capsule | undefined
  try {
    capsule = umbral.Capsule.fromBytes(sealed.capsule)
    return umbral.decryptOriginal(secretKey, capsule, sealed.ciphertext)
  } catch {
    return undefined
  } finally {
    capsule?.free()
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = crypto.getRandomValues(new Uint32Array(1))[0]! % (i + 1)
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
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
