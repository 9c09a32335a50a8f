import type { Address, Hash } from 'viem'
import type { CID } from 'multiformats/cid'
import { getGrantEvents } from '../../chain/consent/getGrantEvents.ts'
import type { ConsentPublicClient } from '../../chain/consent/consentErrors.ts'
import { scopes as allScopes, type Scope } from '../../core/scopes.ts'
import { poseidon } from '../../zk/poseidon.ts'

export type PatientGrant = {
  grantId: bigint
  grantee: Address
  scopes: Scope[]
  /** Unix seconds. */
  expiry: number
  threshold: number
  status: 'active' | 'expired' | 'revoked'
  txHash: Hash
  /** The grant's current key-fragment bundle (GrantCreated, or the last GrantReissued). */
  bundle: { cid: CID | undefined; proxiesHash: bigint }
}

export type AccessSession = { grantId: bigint; grantee: Address; timestamp: number; scopes: Scope[]; txHash: Hash }

export type FindPatientGrantsParameters = {
  consent: Address
  fromBlock: bigint
  identitySecret: bigint
  /** Unix seconds; defaults to now. */
  now?: number
}

export function scopesOfMask(mask: number): Scope[] {
  return allScopes.filter((_, i) => (mask & (1 << i)) !== 0)
}

/**
 * The patient's grants and the doctors' sessions on them, from the chain alone. Grants
 * name no patient: the patient recognises their own by recomputing the pseudonym
 * Poseidon(identitySecret, grantee) for each grant's doctor. Newest first.
 */
export async function findPatientGrants(client: ConsentPublicClient, parameters: FindPatientGrantsParameters): Promise<{ grants: PatientGrant[]; sessions: AccessSession[] }> {
  const { consent, fromBlock, identitySecret } = parameters
  const now = parameters.now ?? Date.now() / 1000
  const { events } = await getGrantEvents(client, { consent, fromBlock })
  const pseudonyms = new Map<string, Promise<bigint>>()
  const pseudonymFor = (grantee: Address) => {
    const key = grantee.toLowerCase()
    let value = pseudonyms.get(key)
    if (!value) pseudonyms.set(key, (value = poseidon([identitySecret, BigInt(grantee)])))
    return value
  }
  const mine = new Map<bigint, PatientGrant>()
  const sessions: AccessSession[] = []
  for (const event of events) {
    if (event.type === 'GrantCreated') {
      if (event.pseudonym !== (await pseudonymFor(event.grantee))) continue
      mine.set(event.grantId, {
        grantId: event.grantId,
        grantee: event.grantee,
        scopes: scopesOfMask(event.scopesMask),
        expiry: event.expiry,
        threshold: event.threshold,
        status: event.expiry <= now ? 'expired' : 'active',
        txHash: event.txHash,
        bundle: { cid: event.bundleCid, proxiesHash: event.proxiesHash },
      })
      continue
    }
    const grant = mine.get(event.grantId)
    if (!grant) continue
    if (event.type === 'GrantRevoked') grant.status = 'revoked'
    else if (event.type === 'GrantReissued') grant.bundle = { cid: event.bundleCid, proxiesHash: event.proxiesHash }
    else if (event.type === 'AccessLogged') {
      sessions.push({ grantId: event.grantId, grantee: grant.grantee, timestamp: event.timestamp, scopes: scopesOfMask(event.scopesMask), txHash: event.txHash })
    }
  }
  return { grants: [...mine.values()].reverse(), sessions: sessions.reverse() }
}
