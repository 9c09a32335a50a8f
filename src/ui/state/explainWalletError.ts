import { describeError } from '../../errors/salusError.ts'

/** What to tell the patient when the wallet refuses or fails (EIP-1193 error codes). */
export function explainWalletError(error: unknown): string {
  const code = errorCode(error)
  if (code === 4001)
    return 'You declined the request in your wallet. Choose “Use this account” again and approve the signature to open your vault.'
  if (code === 4100) return 'Your wallet has not authorised this site. Unlock the wallet, allow this site, then try again.'
  if (code === -32002) return 'Your wallet already has a request waiting. Open the wallet, answer it, then try again.'
  if (code === 4900 || code === 4901) return 'Your wallet is not connected to a network. Open the wallet, connect it, then try again.'
  return `Your wallet could not sign: ${describeError(error)} Try again, or choose another account.`
}

function errorCode(error: unknown): number | undefined {
  // viem wraps the provider's error; its code may sit on the error or any cause.
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'number') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}
