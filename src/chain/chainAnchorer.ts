import type { Account, Address, Chain, Client, Transport } from 'viem'
import type { Anchorer } from '../core/vault/types.ts'
import { SalusError } from '../errors/salusError.ts'
import { anchorBatch } from './anchorBatch.ts'
import { readBatch } from './readBatch.ts'
import type { NetworkConfig } from './networkConfig.ts'
import { ContractRefusedError } from './chainErrors.ts'

export type ChainAnchorerParameters = {
  publicClient: Client<Transport, Chain>
  /** Without a wallet the anchorer can still verify, but not anchor. */
  walletClient?: Client<Transport, Chain | undefined, Account>
} & ({ config: NetworkConfig; anchors?: undefined } | { anchors: Address; config?: undefined })

export class AnchoringNeedsWalletError extends SalusError {
  override name = 'AnchoringNeedsWalletError' as const
  constructor() {
    super('Anchoring needs your wallet to sign a transaction. Connect your wallet, then try again.')
  }
}

/** The vault's Anchorer over the Anchors contract: batch ids travel as decimal strings. */
export function chainAnchorer(p: ChainAnchorerParameters): Anchorer {
  const anchors = p.anchors ?? p.config.contracts.Anchors.address
  const { publicClient, walletClient } = p
  return {
    chainId: p.config?.chainId ?? publicClient.chain.id,
    contract: anchors,
    async anchor(root, count) {
      if (!walletClient) throw new AnchoringNeedsWalletError()
      const result = await anchorBatch(walletClient, { anchors, root, count })
      return { batchId: result.batchId.toString(), txHash: result.txHash, blockNumber: result.blockNumber.toString(), timestamp: result.timestamp }
    },
    async readRoot(batchId) {
      if (!/^[1-9][0-9]{0,77}$/.test(batchId)) return undefined
      try {
        const batch = await readBatch(publicClient, { anchors, batchId: BigInt(batchId) })
        return { root: batch.root, timestamp: batch.timestamp }
      } catch (error) {
        // An unknown batch (e.g. a reset local chain) is an answer, not a failure.
        if (error instanceof ContractRefusedError && error.errorName === 'Anchors__UnknownBatch') return undefined
        throw error
      }
    },
  }
}
