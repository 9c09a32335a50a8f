import { bytesToHex, recoverTypedDataAddress, type Address, type Hex } from 'viem'
import { SalusError } from '../../errors/salusError.ts'
import { keyDerivationTypedData, normalizeKeySignature } from './deriveKeys.ts'

export class KeySignatureAccountMismatchError extends SalusError {
  override name = 'KeySignatureAccountMismatchError' as const
  constructor(expected: Address, signer: Address) {
    super(
      `Your wallet signed with account ${signer}, not with ${expected} that you chose. Select ${expected} in your wallet and sign in again.`,
    )
  }
}

export class NondeterministicWalletError extends SalusError {
  override name = 'NondeterministicWalletError' as const
  constructor() {
    super(
      'Your wallet gave two different signatures for the same request, so Salus cannot rebuild the same keys from it on another day or device. ' +
        'Nothing was opened or created. Use a wallet that signs deterministically (RFC 6979), as most software and hardware wallets do.',
    )
  }
}

export type CheckKeySignatureParameters = {
  account: Address
  keyVersion: number
  /** Asks the wallet for the key signature (keyDerivationTypedData(account, keyVersion)). */
  sign: () => Promise<Hex>
}

/**
 * The first time an account is used on a device: the signature must recover to the
 * account, and a second request must give the same signature. A wallet that signs
 * with fresh randomness would otherwise give a different identity on every sign-in,
 * silently. Resolves to the signature; throws a SalusError the page can show.
 */
export async function checkKeySignature({ account, keyVersion, sign }: CheckKeySignatureParameters): Promise<Hex> {
  const first = await sign()
  const typedData = keyDerivationTypedData(account, keyVersion)
  const normalized = normalizeKeySignature(first)
  const signer = await recoverTypedDataAddress({ ...typedData, signature: bytesToHex(normalized) })
  if (signer.toLowerCase() !== account.toLowerCase()) throw new KeySignatureAccountMismatchError(account, signer)
  const second = normalizeKeySignature(await sign())
  if (bytesToHex(second) !== bytesToHex(normalized)) throw new NondeterministicWalletError()
  return first
}
