import { isAddressEqual, type Address, type Hex } from 'viem'
import { decodeCard } from '../../../core/emergency/cardPayload.ts'
import { emergencyCardAccount } from '../../../flows/emergency/emergencyCardAccount.ts'
import { loadStoredCard, type CardStorage } from './cardStorage.ts'

/**
 * The receiving key of this device's emergency card, for a grantee that is the card's
 * account (a card has no directory entry). A revocation that rotates the summary's key
 * reissues every other grant on it; without the card's key its grant would keep only the
 * old epoch and the card would read only summaries sealed before the revocation.
 * Undefined when this device made no card or the grantee is not its account.
 */
export function cardGranteeKey(storage: CardStorage, account: Address, vaultKey: Uint8Array): (grantee: Address) => Hex | undefined {
  const qrText = loadStoredCard(storage, account, vaultKey).qrText
  if (!qrText) return () => undefined
  let card: { account: Address; receivingPublicKey: Hex } | undefined
  try {
    const made = emergencyCardAccount(decodeCard(qrText).cardSecret)
    made.receivingSecretKey.free()
    card = { account: made.account, receivingPublicKey: made.receivingPublicKey }
  } catch {
    return () => undefined
  }
  return (grantee) => (isAddressEqual(grantee, card.account) ? card.receivingPublicKey : undefined)
}
