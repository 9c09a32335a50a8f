import { type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { waitForTransactionReceipt } from 'viem/actions'
import { SalusError } from '../errors/salusError.ts'
import { createSalusClients, type SalusWalletClient } from './createSalusClients.ts'
import { localChainId, type NetworkConfig } from './networkConfig.ts'
import type { WriteChainErrorType } from './chainErrors.ts'

/** This network has no faucet or relayer that can fund a one-off sender. */
export class NoRelayerError extends SalusError {
  override name = 'NoRelayerError' as const
  constructor(what: string) {
    super(`${what} needs a relayer to send it without your address, and this network has none yet.`)
  }
}

export type FundOneOffAccountParameters = {
  /** Wei for gas. */
  allowance: bigint
  /** Names the transaction in the error when there is no faucet ("Revoking", "Anchoring", …). */
  purpose: string
  /** Fund this account instead of a fresh one: an emergency card's own account (derived from its secret), or an anchoring sender (src/core/anchor/anchorSender.ts). */
  privateKey?: Hex
}

export type FundOneOffAccountErrorType = WriteChainErrorType

/**
 * A fresh account funded for gas by the local network's faucet, so a transaction that
 * must not point at the patient (a revocation, an anchor, a covered booking) has a
 * sender that nothing else shares. On other networks a relayer is needed: NoRelayerError.
 */
export async function fundOneOffAccount(config: NetworkConfig, { allowance, purpose, ...given }: FundOneOffAccountParameters): Promise<{ privateKey: Hex; walletClient: SalusWalletClient; fundingTxHash: Hex }> {
  const faucet = config.chainId === localChainId ? config.localAccounts?.find((candidate) => candidate.role === 'registrar') : undefined
  if (!faucet) throw new NoRelayerError(purpose)
  const privateKey = given.privateKey ?? generatePrivateKey()
  const { walletClient, publicClient } = createSalusClients(config, privateKeyToAccount(privateKey))
  const { walletClient: faucetClient } = createSalusClients(config, privateKeyToAccount(faucet.privateKey))
  // The faucet is shared by every tab: two funding transactions at once may pick the same nonce.
  for (let attempt = 1; ; attempt++) {
    try {
      const fundingTxHash = await faucetClient.sendTransaction({ to: walletClient.account.address, value: allowance })
      await waitForTransactionReceipt(publicClient, { hash: fundingTxHash })
      return { privateKey, walletClient, fundingTxHash }
    } catch (error) {
      if (attempt < 3 && /nonce/i.test(String((error as { details?: unknown }).details ?? (error as Error).message))) continue
      throw error
    }
  }
}
