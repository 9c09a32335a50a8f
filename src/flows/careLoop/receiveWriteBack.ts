import type { Address } from 'viem'
import { checkWriteBackGrant, openWriteBack, toInboxItem, type InboxItem, type ScopeKeyCandidate } from '../../core/careLoop/writeBack.ts'
import { scopeSecretKey } from '../../core/keys/scopeSecretKey.ts'
import { scopes as allScopes, type Scope } from '../../core/scopes.ts'
import { readGrant } from '../../chain/consent/readGrant.ts'
import type { ConsentPublicClient } from '../../chain/consent/consentClients.ts'
import { hasRegistryRole } from '../../chain/hasRegistryRole.ts'
import type { PatientGrant } from '../consent/findPatientGrants.ts'

/** What the patient's side needs to open and check write-backs. */
export type InboxContext = {
  publicClient: ConsentPublicClient
  deployment: { chainId: number; consent: Address; registry: Address }
  keys: { preMasterSeed: Uint8Array }
  /** The patient's grants (findPatientGrants): an item must name one of them. */
  grants: readonly Pick<PatientGrant, 'grantId' | 'grantee' | 'grantIndex'>[]
  /** Per scope, the key epochs the vault knows (vault.epochsOf). */
  epochsOf: (scope: Scope) => readonly number[]
  now?: () => number
}

/**
 * Opens one sealed item with the patient's scope keys and checks it: signature, FHIR,
 * deployment, then on chain now: the grant is the patient's, to the signer, not revoked
 * nor expired, covers the scope, and the signer holds DOCTOR. Throws
 * MalformedWriteBackError or WriteBackRefusedError; returns the inbox item otherwise.
 * `likelyScopes` (the grant's, when the item came from its mailbox) are tried first.
 */
export async function receiveWriteBack(context: InboxContext, item: Uint8Array, receivedAt = Date.now(), likelyScopes: readonly Scope[] = []): Promise<InboxItem> {
  const candidates = scopeCandidates(context, likelyScopes)
  try {
    const opened = await openWriteBack(item, { candidates, chainId: context.deployment.chainId, consent: context.deployment.consent })
    const mine = context.grants.find((grant) => grant.grantId === opened.grantId)
    const [grant, isDoctor] = await Promise.all([
      mine ? readGrant(context.publicClient, { consent: context.deployment.consent, grantId: opened.grantId }) : undefined,
      hasRegistryRole(context.publicClient, { registry: context.deployment.registry, role: 'doctor', account: opened.from }),
    ])
    checkWriteBackGrant(opened, grant, { isDoctor, now: Math.floor((context.now?.() ?? Date.now()) / 1000) })
    return toInboxItem(opened, receivedAt)
  } finally {
    candidates.forEach((candidate) => candidate.secretKey.free())
  }
}

/** Every scope key of every epoch the vault knows: an item for a scope not granted opens, then is refused by name. */
function scopeCandidates(context: InboxContext, first: readonly Scope[]): ScopeKeyCandidate[] {
  const ordered = [...new Set([...first, ...allScopes])]
  return ordered.flatMap((scope) =>
    [...new Set([0, ...context.epochsOf(scope)])].sort((a, b) => b - a).map((epoch) => ({ scope, epoch, secretKey: scopeSecretKey(context.keys.preMasterSeed, scope, epoch) })),
  )
}

