import { createWalletClient, custom, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { discoverWallets, type DiscoveredWallet } from '../../chain/discoverWallets.ts'
import { loadNetworkConfig, type LocalAccount, type NetworkConfig } from '../../chain/networkConfig.ts'
import { deriveKeys, keyDerivationTypedData } from '../../core/keys/deriveKeys.ts'
import { openAccountStores } from '../../store/openAccountStores.ts'
import { checkChain, type ChainStatus } from './checkChain.ts'
import { explainWalletError } from './explainWalletError.ts'
import { openAnchorer } from './openAnchorer.ts'
import { reportError } from './reportError.ts'
import { startPeer } from './startPeer.ts'
import { Workspace, type ActiveAccount } from './Workspace.svelte.ts'

/** Per tab (sessionStorage), so two tabs can be two different users. Keys are never stored. */
const rememberKey = 'salus:selected-account'
type Remembered = { kind: 'local'; address: Address } | { kind: 'wallet'; uuid: string; rdns: string }

/** The start screen and sign-in: network config, chain reachability, accounts, and the open workspace. */
export class Session {
  config = $state.raw<NetworkConfig | undefined>()
  configError = $state('')
  configLoading = $state(true)
  chain = $state.raw<ChainStatus>({ state: 'checking' })
  wallets = $state.raw<DiscoveredWallet[]>([])
  /** The account being signed in ('' when idle), for the busy text on its card. */
  signingIn = $state('')
  phase = $state<'idle' | 'signing' | 'opening'>('idle')
  error = $state('')
  workspace = $state.raw<Workspace | undefined>()
  private stopDiscovery: (() => void) | undefined
  private remembered: Remembered | undefined = readRemembered()

  /** Patients first: this is the patient's app; other roles stay available for trying things out. */
  localAccounts = $derived.by((): readonly LocalAccount[] => {
    const accounts = this.config?.localAccounts ?? []
    const isPatient = (account: LocalAccount) => /patient/i.test(account.role)
    return [...accounts.filter(isPatient), ...accounts.filter((account) => !isPatient(account))]
  })

  async start(): Promise<void> {
    this.stopDiscovery = discoverWallets({
      onWallet: (wallet) => (this.wallets = [...this.wallets, wallet]),
    })
    try {
      this.config = await loadNetworkConfig()
    } catch (error) {
      this.configError = reportError(error, 'loading the network configuration')
    } finally {
      this.configLoading = false
    }
    if (this.config) this.chain = await checkChain(this.config)
    const remembered = this.remembered
    if (remembered?.kind === 'local') {
      const account = this.localAccounts.find((candidate) => sameAddress(candidate.address, remembered.address))
      if (account) await this.useLocalAccount(account)
    }
  }

  /** A wallet needs the user's click to sign, so a remembered wallet is only marked, never signed with by itself. */
  isRemembered(wallet: DiscoveredWallet): boolean {
    return this.remembered?.kind === 'wallet' && this.remembered.uuid === wallet.info.uuid
  }

  async recheckChain(): Promise<void> {
    if (!this.config) return
    this.chain = { state: 'checking' }
    this.chain = await checkChain(this.config)
  }

  /** A built-in account of the local network: its key is in the config, so signing needs no prompt. */
  async useLocalAccount(local: LocalAccount): Promise<void> {
    const signer = privateKeyToAccount(local.privateKey)
    await this.signIn(
      { address: signer.address, label: local.label, role: local.role, kind: 'local' },
      { kind: 'local', address: signer.address },
      () => signer.signTypedData(keyDerivationTypedData(signer.address)),
    )
  }

  /** An injected wallet: it asks the user for the account, then for the one EIP-712 signature. */
  async useWallet(wallet: DiscoveredWallet): Promise<void> {
    this.error = ''
    this.phase = 'signing'
    this.signingIn = wallet.info.name
    let address: Address
    try {
      const client = createWalletClient({ transport: custom(wallet.provider) })
      const [first] = await client.requestAddresses()
      if (!first) throw new Error('the wallet returned no account')
      address = first
    } catch (error) {
      this.fail(explainWalletError(error), error)
      return
    }
    const client = createWalletClient({ account: address, transport: custom(wallet.provider) })
    await this.signIn(
      { address, label: wallet.info.name, kind: 'wallet' },
      { kind: 'wallet', uuid: wallet.info.uuid, rdns: wallet.info.rdns },
      () => client.signTypedData({ account: address, ...keyDerivationTypedData(address) }),
      { provider: wallet.provider },
    )
  }

  private async signIn(
    account: ActiveAccount,
    remember: Remembered,
    sign: () => Promise<Hex>,
    wallet?: { provider: DiscoveredWallet['provider'] },
  ): Promise<void> {
    this.error = ''
    this.phase = 'signing'
    this.signingIn = account.label
    let signature: Hex
    try {
      signature = await sign()
    } catch (error) {
      this.fail(explainWalletError(error), error)
      return
    }
    this.phase = 'opening'
    try {
      const keys = deriveKeys(signature)
      const stores = await openAccountStores(account.address)
      const local = this.localAccounts.find((candidate) => sameAddress(candidate.address, account.address))
      // Anchoring is optional: a chain set-up problem must not keep the patient out of the vault.
      const anchorer = await openAnchorer({ config: this.config, account: account.address, local, wallet }).catch(
        (error: unknown) => void reportError(error, 'connecting anchoring to the chain'),
      )
      const workspace = await Workspace.open({ account, keys, stores, anchorer })
      writeRemembered(remember)
      this.remembered = remember
      this.workspace = workspace
      this.phase = 'idle'
      this.signingIn = ''
      if (this.config) void startPeer(workspace, this.config)
    } catch (error) {
      this.fail(reportError(error, 'opening the vault'), undefined)
    }
  }

  private fail(message: string, error: unknown): void {
    if (error !== undefined) console.error('Salus: signing in failed', error)
    this.error = message
    this.phase = 'idle'
    this.signingIn = ''
  }

  async signOut(): Promise<void> {
    const workspace = this.workspace
    this.workspace = undefined
    sessionStorage.removeItem(rememberKey)
    this.remembered = undefined
    await workspace?.close()
  }

  dispose(): void {
    this.stopDiscovery?.()
  }
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

function readRemembered(): Remembered | undefined {
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(rememberKey) ?? 'null')
    if (typeof value !== 'object' || value === null) return undefined
    const record = value as Record<string, unknown>
    if (record.kind === 'local' && typeof record.address === 'string' && /^0x[0-9a-fA-F]{40}$/.test(record.address))
      return { kind: 'local', address: record.address as Address }
    if (record.kind === 'wallet' && typeof record.uuid === 'string' && typeof record.rdns === 'string')
      return { kind: 'wallet', uuid: record.uuid, rdns: record.rdns }
  } catch {
    // A corrupted entry only means the tab forgets its account.
  }
  return undefined
}

function writeRemembered(remember: Remembered): void {
  sessionStorage.setItem(rememberKey, JSON.stringify(remember))
}
