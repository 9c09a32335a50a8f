import { DecryptionFailedError } from '../../crypto/decryptionFailedError.ts'

export const gcmNonceBytes = 12
export const gcmTagBytes = 16

const importKey = (key: Uint8Array, usage: KeyUsage) =>
  crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, [usage])

/** AES-256-GCM with a given nonce; returns ciphertext with its 16-byte tag appended (WebCrypto's layout). */
export async function gcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await importKey(key, 'encrypt')
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce as Uint8Array<ArrayBuffer>, additionalData: aad as Uint8Array<ArrayBuffer>, tagLength: 128 },
    cryptoKey,
    plaintext as Uint8Array<ArrayBuffer>,
  )
  return new Uint8Array(sealed)
}

/** Throws DecryptionFailedError for any altered byte, wrong key, nonce or aad. */
export async function gcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await importKey(key, 'decrypt')
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: nonce as Uint8Array<ArrayBuffer>, additionalData: aad as Uint8Array<ArrayBuffer>, tagLength: 128 },
      cryptoKey,
      sealed as Uint8Array<ArrayBuffer>,
    )
    return new Uint8Array(plain)
  } catch (cause) {
    throw new DecryptionFailedError({ cause })
  }
}
