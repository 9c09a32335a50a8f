import { cardGranteeKey } from '../emergency/cardGranteeKey.ts'
import type { Address, Hash } from 'viem'
import { scopeEpochs } from '../../../core/consent/scopeEpochs.ts'
import type { Scope } from '../../../core/scopes.ts'
import { findPatientGrants, type PatientGrant as ChainGrant } from '../../../flows/consent/findPatientGrants.ts'
import { revokeGrant } from '../../../flows/consent/revokeGrant.ts'
import type { ProverWorker } from '../../../zk/proveInWorker.ts'
import { reportError } from '../reportError.ts'
import { consentSender } from './consentSender.ts'
import { careNodeAddresses, type ConsentContext } from './consentContext.ts'
import type { DirectoryState } from './DirectoryState.svelte.ts'
import { proveConsent } from './proveConsent.ts'


export type PatientGrant = ChainGrant & { doctorName: string }

export type AccessSession = { grantId: bigint; doctorName: string; timestamp: number; scopes: Scope[]; txHash: Hash }

/**
 * The patient's grants and the doctors' access sessions, read from the chain
 * (flows/consent/findPatientGrants). Each read also sets the vault's scope epochs:
 * a scope moves to a new key epoch with every revocation that covered it.
 */
export class PatientGrantsState {
  grants = $state.raw<PatientGrant[]>([])
  sessions = $state.raw<AccessSession[]>([])
  loading = $state(false)
  error = $state('')
  status = $state('')
  /** The grant being revoked, and how far it is. */
  revoking = $state<bigint | undefined>()
  revokeStage = $state('')

  constructor(
    private readonly context: ConsentContext,
    private readonly directory: DirectoryState,
    private readonly worker: () => ProverWorker,
  ) {}

  private name(grantee: Address): string {
    return this.directory.doctor(grantee)?.name ?? grantee
  }

  /** Reads the grants (and sets the vault's scope epochs); throws when the chain cannot be read. */
  async load(): Promise<void> {
    const { publicClient, consent, workspace } = this.context
    const found = await findPatientGrants(publicClient, { chainId: this.context.config.chainId, consent: consent.address, fromBlock: BigInt(consent.deployBlock), identitySecret: workspace.keys.identitySecret })
    workspace.vault.setScopeEpochs(scopeEpochs(found.grants.map((grant) => ({ scopes: grant.scopes, revoked: grant.status === 'revoked' }))))
    this.grants = found.grants.map((grant) => ({ ...grant, doctorName: this.name(grant.grantee) }))
    this.sessions = found.sessions.map((session) => ({ ...session, doctorName: this.name(session.grantee) }))
  }

  /** load() for the page: a failure becomes the error line. */
  async refresh(): Promise<void> {
    this.loading = true
    this.error = ''
    try {
      await this.load()
    } catch (error) {
      this.error = reportError(error, 'reading your grants from the chain')
    } finally {
      this.loading = false
    }
  }

  /**
   * Revokes for good (flows/consent/revokeGrant): the proof goes out from a one-off
   * account, never the patient's wallet; the grant's scopes move to new keys, and the
   * patient's other doctors on those scopes get fragments for them.
   */
  async revoke(grant: PatientGrant): Promise<void> {
    if (this.revoking !== undefined) return
    this.revoking = grant.grantId
    this.error = ''
    this.status = ''
    const labels = ['Making the revocation proof', 'Sending the revocation to the chain', 'Renewing the keys of your other doctors', 'Updating the copies on the care nodes']
    try {
      const { context } = this
      const node = await context.node()
      if (this.directory.careNodes.length === 0) await this.directory.load()
      const cardKey = cardGranteeKey(localStorage, context.workspace.account.address, context.workspace.keys.vaultKey)
      const result = await revokeGrant({
        publicClient: context.publicClient,
        // A fresh one-off account for the revocation and for each reissue: no two share a sender.
        sender: () => consentSender(context),
        deployment: { chainId: context.config.chainId, consent: context.consent.address, fromBlock: BigInt(context.consent.deployBlock) },
        keys: context.workspace.keys,
        vault: context.workspace.vault,
        blocks: context.workspace.blocks,
        node,
        careNodes: careNodeAddresses(context),
        grant,
        proxies: this.directory.careNodes,
        // Doctors from the directory; this device's emergency card (a grantee with no entry) from its stored card.
        granteeKey: (grantee) => this.directory.doctor(grantee)?.umbralPublicKey ?? cardKey(grantee),
        prove: (input) => proveConsent(this.worker(), input),
        progress: {
          begin: (step) => (this.revokeStage = labels[step] ?? ''),
          detail: (step, detail) => (this.revokeStage = `${labels[step]}: ${detail}`),
          finish: () => {},
        },
      })
      const kept = result.notReissued.length
        ? ` ${result.notReissued.length} other doctor(s) could not get the new keys yet and will not see records you add until you revoke or share again.`
        : ''
      this.status = `Access for ${grant.doctorName} is revoked. Records they already opened stay with them; they cannot open any more, and records you add from now on use new keys.${kept}`
      await this.refresh()
    } catch (error) {
      this.error = reportError(error, 'revoking a grant')
    } finally {
      this.revoking = undefined
      this.revokeStage = ''
    }
  }
}
