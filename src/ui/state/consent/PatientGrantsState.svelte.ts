import type { Address, Hash } from 'viem'
import { getGrantEvents } from '../../../chain/consent/getGrantEvents.ts'
import { readGrant } from '../../../chain/consent/readGrant.ts'
import { submitRevoke } from '../../../chain/consent/submitRevoke.ts'
import { scopes as allScopes, type Scope } from '../../../core/scopes.ts'
import { revokeParamsHash } from '../../../zk/grantHash.ts'
import { poseidon } from '../../../zk/poseidon.ts'
import type { ProverWorker } from '../../../zk/proveInWorker.ts'
import { reportError } from '../reportError.ts'
import type { ConsentContext } from './consentContext.ts'
import type { DirectoryState } from './DirectoryState.svelte.ts'
import { proofStageLabel } from './proofStageLabel.ts'
import { proveConsent } from './proveConsent.ts'

export type PatientGrant = {
  grantId: bigint
  grantee: Address
  doctorName: string
  scopes: Scope[]
  /** Unix seconds. */
  expiry: number
  status: 'active' | 'expired' | 'revoked'
  txHash: Hash
}

export type AccessSession = { grantId: bigint; doctorName: string; timestamp: number; scopes: Scope[]; txHash: Hash }

export function scopesOfMask(mask: number): Scope[] {
  return allScopes.filter((_, i) => (mask & (1 << i)) !== 0)
}

/**
 * The patient's grants and the doctors' access sessions, read from the chain. Grants
 * name no patient: this browser recognises its own by recomputing the pseudonym
 * Poseidon(identitySecret, grantee) for each grant's doctor.
 */
export class PatientGrantsState {
  grants = $state.raw<PatientGrant[]>([])
  sessions = $state.raw<AccessSession[]>([])
  loading = $state(false)
  error = $state('')
  status = $state('')
  /** The grant being revoked, and how far its proof is. */
  revoking = $state<bigint | undefined>()
  revokeStage = $state('')
  private readonly pseudonyms = new Map<string, Promise<bigint>>()

  constructor(
    private readonly context: ConsentContext,
    private readonly directory: DirectoryState,
    private readonly worker: () => ProverWorker,
  ) {}

  private pseudonymFor(grantee: Address): Promise<bigint> {
    const key = grantee.toLowerCase()
    let value = this.pseudonyms.get(key)
    if (!value) this.pseudonyms.set(key, (value = poseidon([this.context.workspace.keys.identitySecret, BigInt(grantee)])))
    return value
  }

  async refresh(): Promise<void> {
    const { publicClient, consent } = this.context
    this.loading = true
    this.error = ''
    try {
      const { events } = await getGrantEvents(publicClient, { consent: consent.address, fromBlock: BigInt(consent.deployBlock) })
      const mine = new Map<bigint, PatientGrant>()
      const now = Date.now() / 1000
      for (const event of events) {
        if (event.type !== 'GrantCreated' || event.pseudonym !== (await this.pseudonymFor(event.grantee))) continue
        const state = await readGrant(publicClient, { consent: consent.address, grantId: event.grantId })
        mine.set(event.grantId, {
          grantId: event.grantId,
          grantee: event.grantee,
          doctorName: this.directory.doctor(event.grantee)?.name ?? event.grantee,
          scopes: scopesOfMask(state.scopesMask),
          expiry: state.expiry,
          status: state.revoked ? 'revoked' : state.expiry <= now ? 'expired' : 'active',
          txHash: event.txHash,
        })
      }
      const sessions: AccessSession[] = []
      for (const event of events) {
        const grant = event.type === 'AccessLogged' ? mine.get(event.grantId) : undefined
        if (event.type !== 'AccessLogged' || !grant) continue
        sessions.push({ grantId: event.grantId, doctorName: grant.doctorName, timestamp: event.timestamp, scopes: scopesOfMask(event.scopesMask), txHash: event.txHash })
      }
      this.grants = [...mine.values()].reverse()
      this.sessions = sessions.reverse()
    } catch (error) {
      this.error = reportError(error, 'reading your grants from the chain')
    } finally {
      this.loading = false
    }
  }

  /** A proof over the grant's pseudonym, bound to revoke(grantId); any account may send it, here the patient's. */
  async revoke(grant: PatientGrant): Promise<void> {
    if (this.revoking !== undefined) return
    this.revoking = grant.grantId
    this.error = ''
    this.status = ''
    try {
      this.revokeStage = 'Making the revocation proof'
      const { proof } = await proveConsent(this.worker(), {
        identitySecret: this.context.workspace.keys.identitySecret,
        grantee: grant.grantee,
        paramsHash: await revokeParamsHash({ chainId: this.context.config.chainId, consent: this.context.consent.address, grantId: grant.grantId }),
        onProgress: (progress) => (this.revokeStage = proofStageLabel(progress)),
      })
      this.revokeStage = 'Sending the revocation to the chain'
      await submitRevoke(this.context.walletClient, { consent: this.context.consent.address, grantId: grant.grantId, proof })
      this.status = `Access for ${grant.doctorName} is revoked. Records they already opened stay with them; they cannot open any more.`
      await this.refresh()
    } catch (error) {
      this.error = reportError(error, 'revoking a grant')
    } finally {
      this.revoking = undefined
      this.revokeStage = ''
    }
  }
}
