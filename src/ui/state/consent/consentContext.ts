import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { ContractDeployment, NetworkConfig } from '../../../chain/networkConfig.ts'
import { createSalusClients, type SalusPublicClient, type SalusWalletClient } from '../../../chain/createSalusClients.ts'
import type { SalusNode } from '../../../p2p/createBrowserNode.ts'
import type { Session } from '../Session.svelte.ts'
import type { Workspace } from '../Workspace.svelte.ts'
import { SharingUnavailableError } from './consentErrors.ts'

/** What the consent pages need from the signed-in account: chain clients, keys, vault, and the peer node. */
export type ConsentContext = {
  config: NetworkConfig
  consent: ContractDeployment
  account: Address
  publicClient: SalusPublicClient
  walletClient: SalusWalletClient
  workspace: Workspace
  /** The account's running Helia node; waits for it while networking starts. */
  node(): Promise<SalusNode>
}

/** Throws SharingUnavailableError (shown on the page) when the network has no Consent contract or no signer. */
export function consentContext(session: Session, workspace: Workspace): ConsentContext {
  const config = session.config
  if (!config) throw new SharingUnavailableError('No network is configured, so nothing can be shared. Start the local network (npm start) and reload.')
  const consent = config.contracts.Consent
  if (!consent) throw new SharingUnavailableError('This network has no consent contract deployed, so records cannot be shared here.')
  const address = workspace.account.address
  const local = config.localAccounts?.find((candidate) => candidate.address.toLowerCase() === address.toLowerCase())
  let clients
  if (local) clients = createSalusClients(config, privateKeyToAccount(local.privateKey))
  else {
    // The wallet the tab signed in with (Session remembers it for this tab).
    const wallet = session.wallets.find((candidate) => session.isRemembered(candidate))
    if (!wallet) throw new SharingUnavailableError('Salus cannot reach your wallet. Sign out and sign in again with it.')
    clients = createSalusClients(config, address, { provider: wallet.provider })
  }
  return {
    config,
    consent,
    account: address,
    publicClient: clients.publicClient,
    walletClient: clients.walletClient,
    workspace,
    node: () => waitForNode(workspace),
  }
}

async function waitForNode(workspace: Workspace, timeoutMs = 30_000): Promise<SalusNode> {
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
