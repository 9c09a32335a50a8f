import type { Address, Hash } from 'viem'
import type { CID } from 'multiformats/cid'
import { getGrantEvents } from '../../chain/consent/getGrantEvents.ts'
import { scopes as allScopes, type Scope } from '../../core/scopes.ts'
import { consentPseudonym, grantIndexWindow } from '../../zk/consentPseudonym.ts'
import type { ConsentPublicClient } from '../../chain/consent/consentClients.ts'

export type PatientGrant = {
  grantId: bigint
  grantee: Address
  /** Which of the patient's grants to this grantee: its pseudonym's index (src/zk/consentPseudonym.ts). */
  grantIndex: number
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
  chainId: number
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
 * name no patient and share no value: the patient recognises their own by recomputing
 * the pseudonyms Poseidon(identitySecret, grantee, domain, index) of each grant's doctor
 * for the indices up to grantIndexWindow past the last one found. Newest first.
 */
export async function findPatientGrants(client: ConsentPublicClient, parameters: FindPatientGrantsParameters): Promise<{ grants: PatientGrant[]; sessions: AccessSession[] }> {
  const { chainId, consent, fromBlock, identitySecret } = parameters
  const now = parameters.now ?? Date.now() / 1000
  const { events } = await getGrantEvents(client, { consent, fromBlock })
  // Per grantee: pseudonym → index for every index computed so far, and how far that is.
  const known = new Map<string, { byPseudonym: Map<bigint, number>; computed: number; found: number }>()
  const indexOf = async (grantee: Address, pseudonym: bigint): Promise<number | undefined> => {
    const key = grantee.toLowerCase()
    let entry = known.get(key)
    if (!entry) known.set(key, (entry = { byPseudonym: new Map(), computed: 0, found: 0 }))
    while (entry.computed < entry.found + grantIndexWindow) {
      const grantIndex = entry.computed++
      entry.byPseudonym.set(await consentPseudonym({ chainId, consent, identitySecret, grantee, grantIndex }), grantIndex)
    }
    const index = entry.byPseudonym.get(pseudonym)
    if (index !== undefined && index + 1 > entry.found) entry.found = index + 1
    return index
  }
  const mine = new Map<bigint, PatientGrant>()
  const sessions: AccessSession[] = []
  for (const event of events) {
    if (event.type === 'GrantCreated') {
      const grantIndex = await indexOf(event.grantee, event.pseudonym)
      if (grantIndex === undefined) continue
      mine.set(event.grantId, {
        grantId: event.grantId,
        grantee: event.grantee,
        grantIndex,
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

/** The index a new grant to `grantee` takes: past every one found on chain and every one still in flight. */
export function nextGrantIndex(grants: readonly Pick<PatientGrant, 'grantee' | 'grantIndex'>[], grantee: Address, inFlight = 0): number {
  const used = grants.filter((grant) => grant.grantee.toLowerCase() === grantee.toLowerCase()).map((grant) => grant.grantIndex + 1)
  return Math.max(0, ...used) + inFlight
}
