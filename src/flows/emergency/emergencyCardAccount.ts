import { bytesToHex, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { cardKeys, cardUmbralLabel } from '../../core/emergency/cardKeys.ts'
import { labelledSecretKey, type SecretKey } from '../../crypto/umbral.ts'

/** What a card's secret opens: its account (the grantee) and its Umbral receiving key. */
export type EmergencyCardAccount = {
  account: Address
  accountPrivateKey: Hex
  /** The card's receiving key (free() it when done); its public half is the bundle's receiving key. */
  receivingSecretKey: SecretKey
  /** Compressed public half of receivingSecretKey. */
  receivingPublicKey: Hex
}

/** The card's account and receiving key, derived from its secret (core/emergency/cardKeys.ts). */
export function emergencyCardAccount(cardSecret: Uint8Array): EmergencyCardAccount {
  const keys = cardKeys(cardSecret)
  const secretKey = labelledSecretKey(keys.umbralSeed, cardUmbralLabel)
  const publicKey = secretKey.publicKey()
  try {
    return {
      account: privateKeyToAccount(keys.accountPrivateKey).address,
      accountPrivateKey: keys.accountPrivateKey,
      receivingSecretKey: secretKey,
      receivingPublicKey: bytesToHex(publicKey.toCompressedBytes()),
    }
  } finally {
    publicKey.free()
  }
}
