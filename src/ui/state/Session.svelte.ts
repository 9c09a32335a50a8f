import { createWalletClient, custom, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createAccountClients, type AccountClients } from '../../chain/accountClients.ts'
import { discoverWallets, type DiscoveredWallet } from '../../chain/discoverWallets.ts'
import { loadNetworkConfig, type LocalAccount, type NetworkConfig } from '../../chain/networkConfig.ts'
import { SalusError } from '../../errors/salusError.ts'
import { checkKeySignature } from '../../core/keys/checkKeySignature.ts'
import { deriveKeys, keyDerivationTypedData, type SalusKeys } from '../../core/keys/deriveKeys.ts'
import { firstKeyVersion } from '../../crypto/keyVersion.ts'
import { createSalusPasskey, evaluateSalusPasskey, passkeyName } from '../../crypto/passkeyPrf.ts'
import { readAccountKeyRecord, writeAccountKeyRecord, type AccountKeyRecord } from '../../store/accountKeyRecord.ts'
import { openAccountStores } from '../../store/openAccountStores.ts'
import { checkChain, type ChainStatus } from './checkChain.ts'
import { explainWalletError } from './explainWalletError.ts'
import { openAnchorer } from '../../flows/anchoring/openAnchorer.ts'
import { reportError } from './reportError.ts'
import { startPeer } from './startPeer.ts'
import { Workspace, type ActiveAccount } from './Workspace.svelte.ts'
import type { PatientGrant } from '../../flows/consent/findPatientGrants.ts'

/** Per tab (sessionStorage), so two tabs can be two different users. Keys are never stored. */
const rememberKey = 'salus:selected-account'
type Remembered = { kind: 'local'; address: Address } | { kind: 'wallet'; uuid: string; rdns: string }

/**
 * How an account signs in. `passkey` is true for every wallet account: its keys mix the
 * Salus passkey's PRF output in, so only this origin can derive them. The local
 * network's demo accounts have public private keys (anyone can sign as them), so a
 * passkey would protect nothing they hold: they sign in with the signature alone.
 */
type SignInRoute = {
  account: ActiveAccount
  remember: Remembered
  sign: (keyVersion: number) => Promise<Hex>
  passkey: boolean
  wallet?: { provider: DiscoveredWallet['provider'] }
}

export type PasskeyChoice = 'create' | 'existing'

export class PasskeyNotNewerError extends SalusError {
  override name = 'PasskeyNotNewerError' as const
  constructor(chosen: number, current: number) {
    super(
      `The passkey you chose is for keys version ${chosen}, and this device already has version ${current}. Choose the passkey named “keys v${current + 1}” or later, or rotate with a new passkey.`,
    )
  }
}

/** The start screen and sign-in: network config, chain reachability, accounts, and the open workspace. */
export class Session {
  config = $state.raw<NetworkConfig | undefined>()
  configError = $state('')
  configLoading = $state(true)
  chain = $state.raw<ChainStatus>({ state: 'checking' })
  wallets = $state.raw<DiscoveredWallet[]>([])
  /** The account being signed in ('' when idle), for the busy text on its card. */
  signingIn = $state('')
  /** 'passkey': the account has no Salus passkey on this device yet; the page asks whether to create one or use a synced one. */
  phase = $state<'idle' | 'passkey' | 'signing' | 'opening'>('idle')
  error = $state('')
  workspace = $state.raw<Workspace | undefined>()
  /** Key rotation of the open account: its progress text, then what the patient must do next. */
  rotation = $state<{ state: 'idle' | 'working' | 'done' | 'failed'; message: string }>({ state: 'idle', message: '' })
  private pending: SignInRoute | undefined
  private route: SignInRoute | undefined
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
    await this.signIn({
      account: { address: signer.address, label: local.label, role: local.role, kind: 'local' },
      remember: { kind: 'local', address: signer.address },
      sign: (keyVersion) => signer.signTypedData(keyDerivationTypedData(signer.address, keyVersion)),
      passkey: false,
    })
  }

  /** An injected wallet: it asks the user for the account, then the Salus passkey, then the EIP-712 signature. */
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
    await this.signIn({
      account: { address, label: wallet.info.name, kind: 'wallet' },
      remember: { kind: 'wallet', uuid: wallet.info.uuid, rdns: wallet.info.rdns },
      sign: (keyVersion) => client.signTypedData({ account: address, ...keyDerivationTypedData(address, keyVersion) }),
      passkey: true,
      wallet: { provider: wallet.provider },
    })
  }

  /** The answer to the passkey step: make this account's first Salus passkey, or use one synced from another device. */
  async continueWithPasskey(choice: PasskeyChoice): Promise<void> {
    const route = this.pending
    if (!route || this.phase !== 'passkey') return
    this.pending = undefined
    await this.unlock(route, undefined, choice)
  }

  cancelPasskey(): void {
    this.pending = undefined
    this.fail('', undefined)
  }

  private async signIn(route: SignInRoute): Promise<void> {
    this.error = ''
    this.phase = 'signing'
    this.signingIn = route.account.label
    const record = readAccountKeyRecord(route.account.address)
    if (route.passkey && !record?.credentialId) {
      this.pending = route
      this.phase = 'passkey'
      return
    }
    await this.unlock(route, record)
  }

  /** Passkey (wallet accounts), then the signature (checked on first use), then the keys and the vault. */
  private async unlock(route: SignInRoute, record: AccountKeyRecord | undefined, choice?: PasskeyChoice): Promise<void> {
    const { account } = route
    this.error = ''
    this.phase = 'signing'
    let keyVersion = record?.keyVersion ?? firstKeyVersion
    let passkeyPrf: Uint8Array | undefined
    let credentialId: string | undefined
    let signature: Hex
    try {
      if (route.passkey) {
        const made = choice === 'create' ? await createSalusPasskey(account.address, firstKeyVersion) : undefined
        const passkey = await evaluateSalusPasskey(account.address, made ?? record?.credentialId)
        ;({ keyVersion, credentialId } = passkey)
        passkeyPrf = passkey.prf
      }
      const sign = () => route.sign(keyVersion)
      // First use on this device: the wallet must sign as the account, and the same way twice.
      const checked = record?.checked && record.keyVersion === keyVersion
      signature = checked ? await sign() : await checkKeySignature({ account: account.address, keyVersion, sign })
    } catch (error) {
      this.fail(error instanceof SalusError ? error.shortMessage : explainWalletError(error), error)
      return
    }
    this.phase = 'opening'
    try {
      const keys = deriveKeys(signature, { keyVersion, ...(passkeyPrf ? { passkeyPrf } : {}) })
      await this.open(route, keys)
      writeAccountKeyRecord(account.address, { keyVersion, checked: true, ...(credentialId ? { credentialId } : {}) })
      this.phase = 'idle'
      this.signingIn = ''
    } catch (error) {
      this.fail(reportError(error, 'opening the vault'), undefined)
    }
  }

  private async open(route: SignInRoute, keys: SalusKeys): Promise<void> {
    const { account, wallet, remember } = route
    const stores = await openAccountStores(account.address)
    const local = this.localAccounts.find((candidate) => sameAddress(candidate.address, account.address))
    // One set of chain clients for the account, passed to every page that reads or writes.
    let clients: AccountClients | undefined
    if (this.config && local) clients = createAccountClients(this.config, { kind: 'local', privateKey: local.privateKey })
    else if (this.config && wallet) clients = createAccountClients(this.config, { kind: 'wallet', address: account.address, provider: wallet.provider })
    // Anchoring is optional: a chain set-up problem must not keep the patient out of the vault.
    const anchorer = await openAnchorer(clients, keys.vaultKey).catch((error: unknown) => void reportError(error, 'connecting anchoring to the chain'))
    const workspace = await Workspace.open({ account, keys, stores, anchorer, ...(clients ? { clients } : {}) })
    writeRemembered(remember)
    this.remembered = remember
    this.route = route
    this.workspace = workspace
    if (this.config) void startPeer(workspace, this.config)
  }

  /**
   * After a compromise: the next key version, from a new passkey (wallet accounts) and a
   * new signature, then every record re-sealed and the index re-encrypted under it. The
   * old keys, and grants made from them, open nothing sealed from now on.
   */
  async rotateKeys(source: 'new' | 'synced' = 'new'): Promise<void> {
    const workspace = this.workspace
    const route = this.route
    if (!workspace || !route || this.rotation.state === 'working') return
    const { address } = route.account
    const oldVersion = workspace.keys.keyVersion
    let keyVersion = oldVersion + 1
    const say = (message: string) => (this.rotation = { state: 'working', message })
    // First, before any passkey or signature: the grants the current keys made (afterwards the app no longer recognises them).
    const oldKeys = workspace.keys
    let grantsToMove: PatientGrant[]
    try {
      say('Finding the grants you made with your current keys…')
      grantsToMove = await (await import('./consent/moveGrantsOnRotation.ts')).findGrantsToMove(workspace)
    } catch (error) {
      this.rotation = { state: 'failed', message: `${reportError(error, 'finding your grants')} Your keys were not changed.` }
      return
    }
    let keys: SalusKeys
    let credentialId: string | undefined
    try {
      let passkeyPrf: Uint8Array | undefined
      if (route.passkey && source === 'synced') {
        // Another device rotated already: this vault moves to the version of that device's passkey, not to a new one.
        say('Choose the newest Salus passkey, made when you rotated on your other device…')
        const passkey = await evaluateSalusPasskey(address, undefined)
        if (passkey.keyVersion <= workspace.keys.keyVersion) throw new PasskeyNotNewerError(passkey.keyVersion, workspace.keys.keyVersion)
        ;({ keyVersion, credentialId } = passkey)
        passkeyPrf = passkey.prf
      } else if (route.passkey) {
        say(`Creating your passkey for keys version ${keyVersion}…`)
        credentialId = await createSalusPasskey(address, keyVersion)
        passkeyPrf = (await evaluateSalusPasskey(address, credentialId)).prf
      }
      say('Waiting for your wallet: it asks twice for the new key signature…')
      const signature = await checkKeySignature({ account: address, keyVersion, sign: () => route.sign(keyVersion) })
      keys = deriveKeys(signature, { keyVersion, ...(passkeyPrf ? { passkeyPrf } : {}) })
    } catch (error) {
      const message = error instanceof SalusError ? error.shortMessage : explainWalletError(error)
      this.rotation = { state: 'failed', message: `${message} Your keys were not changed.` }
      return
    }
    try {
      say('Sealing your records again under the new keys…')
      const { resealed } = await workspace.rotateKeys(keys, (done, total) => say(`Sealing your records again: ${done} of ${total}…`))
      writeAccountKeyRecord(address, { keyVersion, checked: true, ...(credentialId ? { credentialId } : {}) })
      // The old workspace (its peer, sharing state, stores) closes; the page stays until the new one replaces it.
      await workspace.close()
      await this.open(route, keys)
      const grantsNote = grantsToMove.length === 0 ? '' : await this.moveGrants(oldKeys, grantsToMove, say)
      this.rotation = {
        state: 'done',
        message:
          `Your keys are now version ${keyVersion}; ${resealed} record${resealed === 1 ? ' was' : 's were'} sealed again. ` +
          'The old keys open nothing sealed from now on. ' +
          grantsNote +
          'Your identity code changed too: send the new one to your insurer.' +
          (route.passkey ? ` Once every device you use has rotated, delete the old passkey “${passkeyName(address, oldVersion)}” from your password manager.` : ''),
      }
    } catch (error) {
      this.rotation = { state: 'failed', message: reportError(error, 'rotating your keys') }
    }
  }

  /**
   * After the rotation: each grant made with the old keys gets a new consent under the
   * new keys (the doctor accepts it), and the old grant ends. Returns what the patient
   * must know, as a sentence or two.
   */
  private async moveGrants(oldKeys: SalusKeys, grants: PatientGrant[], say: (message: string) => void): Promise<string> {
    const workspace = this.workspace
    if (!workspace) return ''
    try {
      const { moveGrantsAfterRotation } = await import('./consent/moveGrantsOnRotation.ts')
      const result = await moveGrantsAfterRotation(workspace, oldKeys, grants, say)
      const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`
      const undelivered = result.moved.filter((moved) => workspace.sharing?.sent.find((sent) => sent.id === moved.prepared.bundleCid.toString())?.state !== 'delivered').length
      return (
        (result.moved.length > 0
          ? `${plural(result.moved.length, 'doctor was', 'doctors were')} sent a new consent under the new keys: access goes on once they accept it` +
            (undelivered > 0 ? ` (${undelivered} could not be reached yet: send again from Sharing)` : '') +
            '. '
          : '') +
        (result.revoked.length > 0 ? `${plural(result.revoked.length, 'old grant was', 'old grants were')} ended. ` : '') +
        (result.notMoved.length > 0 ? `${plural(result.notMoved.length, 'grant', 'grants')} could not be moved: share again with ${result.notMoved.length === 1 ? 'that doctor' : 'those doctors'} from Sharing. ` : '') +
        (result.notRevoked.length > 0
          ? `${plural(result.notRevoked.length, 'old grant', 'old grants')} could not be ended; ${result.notRevoked.length === 1 ? 'it opens' : 'they open'} only what was sealed before the rotation. `
          : '')
      )
    } catch (error) {
      return `Your grants could not be moved to the new keys: ${reportError(error, 'moving your grants')} Share again with each doctor from Sharing. `
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
    this.route = undefined
    this.rotation = { state: 'idle', message: '' }
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
