import type { Address } from 'viem'
import type { AccountClients } from '../../chain/accountClients.ts'
import type { SalusKeys } from '../../core/keys/deriveKeys.ts'
import { Vault } from '../../core/vault/Vault.ts'
import { gateRecordIndex, rotateVaultKeys, type GatedRecordIndex } from '../../core/vault/rotateVaultKeys.ts'
import type { Anchorer } from '../../core/vault/types.ts'
import type { SalusNode } from '../../p2p/createBrowserNode.ts'
import type { AccountStores } from '../../store/openAccountStores.ts'
import { requestPersistentStorage, type StoragePersistence } from '../../store/persistentStorage.ts'
import { AddRecordState } from './AddRecordState.svelte.ts'
import { AnchorState } from './AnchorState.svelte.ts'
import { BackupState } from './BackupState.svelte.ts'
import { PeerState } from './PeerState.svelte.ts'
import { RecordViewState } from './RecordViewState.svelte.ts'
import { VaultState } from './VaultState.svelte.ts'
import { InboxState } from './InboxState.svelte.ts'
import { DeliveryRouter } from './deliveryRouter.ts'
import { findBreakGlassReads } from '../../flows/emergency/findBreakGlassReads.ts'
import type { InboxSource } from '../../flows/inbox/inboxItem.ts'
import { verifyProvenance } from '../../flows/inbox/verifyProvenance.ts'
import { mailboxInboxSource } from './inboxSource.ts'
import { SinceLastTimeState } from './SinceLastTimeState.svelte.ts'
import { findOwnAnchors } from '../../flows/anchoring/findOwnAnchors.ts'
import { RolesState } from './consent/RolesState.svelte.ts'
import type { DoctorState } from './consent/DoctorState.svelte.ts'
import type { SharingState } from './consent/SharingState.svelte.ts'

export type ActiveAccount = {
  address: Address
  label: string
  /** 'local' = a built-in demo account of the local network; 'wallet' = an injected EIP-6963 wallet. */
  kind: 'local' | 'wallet'
  role?: string
}

export type WorkspaceParameters = {
  account: ActiveAccount
  keys: SalusKeys
  stores: AccountStores
  anchorer?: Anchorer
  /** The account's chain clients, built once at sign-in; absent when no network is configured. */
  clients?: AccountClients
}

/** Everything open for one signed-in account: its vault and the page state around it. */
export class Workspace {
  readonly account: ActiveAccount
  readonly peer = new PeerState()
  /** Registry roles of the account (doctor, insurer…), which decide the sections shown. */
  readonly roles = new RolesState()
  readonly backup: BackupState
  readonly addForm: AddRecordState
  vault = $state.raw() as Vault
  list = $state.raw() as VaultState
  record = $state.raw() as RecordViewState
  anchor = $state.raw() as AnchorState
  /** The running Helia node, once peer-to-peer networking is up (sharing needs it; the vault does not). */
  node = $state.raw<SalusNode | undefined>()
  /** Created by the Sharing and Patients pages on first visit, kept while the account is open. */
  sharing = $state.raw<SharingState | undefined>()
  doctor = $state.raw<DoctorState | undefined>()
  /** The patient's inbox of doctors' write-backs; without a source (no mailbox connected) it stays empty. */
  inbox = $state.raw() as InboxState
  /** This browser has no records but the account anchored before (on another device): offer the backup restore. */
  restoreOffer = $state(false)
  /** The one /salus/deliver handler of this account's node: consents for a doctor, write-backs for a patient. */
  readonly deliveries = new DeliveryRouter()
  /** "What happened since last time", made once per sign-in. */
  since = $state.raw<SinceLastTimeState | undefined>()
  /** Whether the browser keeps Salus's storage; the Vault page warns when it may be evicted. */
  storage = $state.raw<StoragePersistence | undefined>()
  private unwatch: (() => void) | undefined
  private readonly parameters: WorkspaceParameters
  /** The account's index, closed to writes while the keys rotate. */
  private readonly index: GatedRecordIndex

  private constructor(parameters: WorkspaceParameters, index: GatedRecordIndex, vault: Vault) {
    this.parameters = parameters
    this.index = index
    this.account = parameters.account
    this.backup = new BackupState(
      () => this.vault.backup(),
      (archive) => this.restore(archive),
    )
    this.addForm = new AddRecordState((resource, attachment) => this.list.addRecord(resource, attachment))
    this.attach(vault)
    this.connectInbox(mailboxInboxSource(this, () => this.inbox.knownIds()))
    this.since = new SinceLastTimeState(this, {
      inboxCount: () => this.inbox.count,
      requests: () => this.sharing?.requests.requests.length ?? 0,
      // Break-glass reads of any of the patient's cards (found from the chain, so on every device).
      breakGlass: async (grantIds) => {
        const clients = this.clients
        const emergency = clients?.config.contracts.Emergency
        if (!clients || !emergency) return []
        const registry = clients.config.contracts.Registry
        return findBreakGlassReads(clients.publicClient, {
          deployment: { emergency: { address: emergency.address, fromBlock: BigInt(emergency.deployBlock) }, registry: { address: registry.address, fromBlock: BigInt(registry.deployBlock) } },
          grantIds,
        })
      },
    })
    void this.since.load()
  }

  /** Connects the inbox to its transport (part mailbox's collectInbox/answerWriteBack) and collects once. */
  connectInbox(source: InboxSource | undefined): void {
    this.inbox?.dispose()
    const host = {
      get vault() {
        return workspace.vault
      },
      get clients() {
        return workspace.clients
      },
      recordsChanged: () => {
        this.list.refresh()
        this.list.onAdded()
      },
    }
    const workspace = this
    this.inbox = new InboxState(host, this.account.address, source)
    if (source) void this.inbox.refresh()
  }

  static async open(parameters: WorkspaceParameters): Promise<Workspace> {
    const { keys, stores, anchorer } = parameters
    const index = gateRecordIndex(stores.index)
    const vault = await Vault.open({ keys, blocks: stores.blocks, index, anchorer })
    const workspace = new Workspace(parameters, index, vault)
    void workspace.checkRestoreOffer()
    workspace.watchOtherTabs()
    void requestPersistentStorage().then((storage) => (workspace.storage = storage))
    return workspace
  }

  /**
   * Another tab of this account adds records too: its writes are heard on the index's
   * BroadcastChannel, and the index is read again when this tab comes back into view.
   */
  private watchOtherTabs(): void {
    const reload = () => void this.list?.reloadFromStore()
    const stopWatch = this.index.watch?.(reload)
    const onVisible = () => {
      if (globalThis.document?.visibilityState === 'visible') reload()
    }
    globalThis.document?.addEventListener('visibilitychange', onVisible)
    this.unwatch = () => {
      stopWatch?.()
      globalThis.document?.removeEventListener('visibilitychange', onVisible)
    }
  }

  /** A fresh browser for an account whose vault anchored batches before: "Restore from backup" instead of an empty vault. */
  async checkRestoreOffer(): Promise<void> {
    const clients = this.clients
    if (!clients || this.vault.list().length > 0) return
    try {
      const { batches } = await findOwnAnchors(clients, this.keys.vaultKey)
      this.restoreOffer = batches > 0 && this.vault.list().length === 0
    } catch (error) {
      // Only an offer: a chain that cannot be read leaves the usual empty vault.
      console.warn('Salus: could not check for earlier anchors', error)
    }
  }

  get blockstore() {
    return this.parameters.stores.blockstore
  }

  get blocks() {
    return this.parameters.stores.blocks
  }

  attachNode(node: SalusNode): void {
    this.node = node
  }

  get clients(): AccountClients | undefined {
    return this.parameters.clients
  }

  get keys(): SalusKeys {
    return this.parameters.keys
  }

  private attach(vault: Vault): void {
    this.anchor?.dispose()
    this.record?.close()
    const list = new VaultState(vault)
    const anchor = new AnchorState(vault, this.parameters.anchorer !== undefined)
    list.onAdded = () => {
      anchor.schedule()
      // Records added to a shared scope go into its manifest, so grantees see them without a new grant.
      void this.sharing?.recordsAdded()
    }
    anchor.onAnchored = () => {
      list.refresh()
      // An open record shows its anchor as soon as it has one.
      this.record.refresh()
    }
    this.vault = vault
    this.list = list
    this.anchor = anchor
    const clients = this.clients
    this.record = new RecordViewState(vault, {
      ...(clients
        ? {
            checkProvenance: (resource, provenance) =>
              verifyProvenance(
                { resource, provenance },
                { client: clients.publicClient, registry: clients.config.contracts.Registry.address, fromBlock: BigInt(clients.config.contracts.Registry.deployBlock) },
              ),
          }
        : {}),
      onChanged: () => {
        list.refresh()
        list.onAdded()
      },
    })
  }

  /** Writes a backup's blocks and index rows, then reopens the vault so the list shows them. */
  private async restore(archive: AsyncIterable<Uint8Array>): Promise<{ restored: number }> {
    const { keys, stores, anchorer } = this.parameters
    const index = this.index
    const result = await Vault.restore({ keys, blocks: stores.blocks, index, anchorer, archive })
    this.restoreOffer = false
    this.attach(await Vault.open({ keys, blocks: stores.blocks, index, anchorer }))
    this.anchor.schedule()
    return result
  }

  /** Re-seals every record and the index under the next key version; the caller reopens the account with those keys. */
  async rotateKeys(keys: SalusKeys, onProgress?: (done: number, total: number) => void): Promise<{ resealed: number }> {
    const { stores } = this.parameters
    // Nothing may write under the old vault key meanwhile: no anchoring, no new record, no restore.
    this.anchor.dispose()
    this.index.hold()
    try {
      return await rotateVaultKeys({ from: this.vault, keys, blocks: stores.blocks, index: this.index.inner, ...(onProgress ? { onProgress } : {}) })
    } catch (error) {
      // The old vault is whole: writes and anchoring resume as before.
      this.index.release()
      this.attach(this.vault)
      throw error
    }
  }

  async close(): Promise<void> {
    this.unwatch?.()
    this.inbox.dispose()
    await this.doctor?.dispose()
    await this.deliveries.stop()
    this.sharing?.dispose()
    this.anchor.dispose()
    this.record.close()
    await this.peer.stop()
    await this.parameters.stores.close()
  }
}
