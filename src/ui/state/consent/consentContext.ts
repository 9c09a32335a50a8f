import type { DeliveryRouter } from '../deliveryRouter.ts'
import type { Address } from 'viem'
import type { AccountClients } from '../../../chain/accountClients.ts'
import type { SalusPublicClient, SalusWalletClient } from '../../../chain/createSalusClients.ts'
import type { ContractDeployment, NetworkConfig } from '../../../chain/networkConfig.ts'
import type { SalusKeys } from '../../../core/keys/deriveKeys.ts'
import type { Vault } from '../../../core/vault/Vault.ts'
import type { SalusNode } from '../../../p2p/createBrowserNode.ts'
import type { AccountStores } from '../../../store/openAccountStores.ts'
import { SharingUnavailableError } from '../../../flows/consent/accessErrors.ts'

/** What the consent pages use of the open workspace (Workspace has it; naming it here keeps the import graph acyclic). */
export type ConsentWorkspace = {
  readonly account: { readonly address: Address; readonly label: string }
  readonly keys: SalusKeys
  readonly vault: Vault
  readonly blocks: AccountStores['blocks']
  readonly node: SalusNode | undefined
  readonly peer: { readonly phase: string; readonly error: string }
  readonly clients: AccountClients | undefined
  /** The one /salus/deliver handler of this account's node (consents for a doctor, write-backs for a patient). */
  readonly deliveries: DeliveryRouter
}

/** What the consent pages need from the signed-in account: chain clients, keys, vault, and the peer node. */
export type ConsentContext = {
  config: NetworkConfig
  consent: ContractDeployment
  account: Address
  publicClient: SalusPublicClient
  walletClient: SalusWalletClient
  /** Before a write from the account: an injected wallet is switched to the configured chain. */
  ensureChain(): Promise<void>
  workspace: ConsentWorkspace
  /** The account's running Helia node; waits for it while networking starts. */
  node(): Promise<SalusNode>
}

/** Throws SharingUnavailableError (shown on the page) when the network has no Consent contract or no signer. */
export function consentContext(workspace: ConsentWorkspace): ConsentContext {
  const clients = workspace.clients
  if (!clients) throw new SharingUnavailableError('No network is configured, so nothing can be shared. Start the local network (npm start) and reload.')
  const { config } = clients
  const consent = config.contracts.Consent
  if (!consent) throw new SharingUnavailableError('This network has no consent contract deployed, so records cannot be shared here.')
  return {
    config,
    consent,
    account: clients.account,
    publicClient: clients.publicClient,
    walletClient: clients.walletClient,
    ensureChain: () => clients.ensureChain(),
    workspace,
    node: () => waitForNode(workspace),
  }
}

async function waitForNode(workspace: ConsentWorkspace, timeoutMs = 30_000): Promise<SalusNode> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (workspace.node) return workspace.node
    if (workspace.peer.phase === 'failed') break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new SharingUnavailableError('Peer-to-peer networking is not running, so nothing can be sent or fetched. Check your connection and reload the page.', {
    details: workspace.peer.error || `peer ${workspace.peer.phase}`,
  })
}

/** The care nodes' dialable addresses (with /p2p/<peer id>), one each, from the network config. */
export function careNodeAddresses(context: Pick<ConsentContext, 'config'>): string[] {
  return context.config.careNodes.map((care) => care.multiaddrs.find((address) => address.includes('/p2p/'))).filter((address): address is string => address !== undefined)
}
