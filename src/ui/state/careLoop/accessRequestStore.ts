import type { Hex } from 'viem'
import type { ProviderEntry } from '../../../chain/providerEntry.ts'
import { accessRequestLifetimeSeconds, parseSignedAccessRequest } from '../../../core/careLoop/accessRequest.ts'
import type { VerifiedAccessRequest } from '../../../flows/careLoop/collectAccessRequests.ts'

/**
 * The patient's requests and the nonces already seen, in localStorage per account: a
 * request taken from the care nodes lives here until answered, never only in a tab.
 */
const requestsKey = (account: string) => `salus:${account.toLowerCase()}:access-requests`
const noncesKey = (account: string) => `salus:${account.toLowerCase()}:access-request-nonces`
const maxItems = 200

export function loadAccessRequests(account: string, storage: Pick<Storage, 'getItem'> = localStorage): VerifiedAccessRequest[] {
  const items: VerifiedAccessRequest[] = []
  for (const value of readList(storage, requestsKey(account))) {
    try {
      const item = value as Record<string, unknown>
      const signed = parseSignedAccessRequest({ kind: 'access-request', request: item.request, signature: item.signature })
      const doctor = item.doctor as ProviderEntry
      if (typeof doctor?.name !== 'string' || typeof item.receivedAt !== 'number') continue
      items.push({ id: signed.request.nonce, request: signed.request, signature: signed.signature, doctor, receivedAt: item.receivedAt })
    } catch {
      // One damaged entry must not lose the others.
    }
  }
  return items
}

export function saveAccessRequests(account: string, items: readonly VerifiedAccessRequest[], storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(requestsKey(account), JSON.stringify(items.slice(0, maxItems)))
}

/** Nonces seen within a request's lifetime (older requests are refused as expired anyway). */
export function loadSeenNonces(account: string, now: number, storage: Pick<Storage, 'getItem'> = localStorage): Map<Hex, number> {
  const seen = new Map<Hex, number>()
  for (const value of readList(storage, noncesKey(account))) {
    if (!Array.isArray(value) || typeof value[0] !== 'string' || typeof value[1] !== 'number') continue
    if (value[1] + accessRequestLifetimeSeconds + 600 >= now) seen.set(value[0] as Hex, value[1])
  }
  return seen
}

export function saveSeenNonces(account: string, seen: ReadonlyMap<Hex, number>, storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(noncesKey(account), JSON.stringify([...seen].slice(-5_000)))
}

function readList(storage: Pick<Storage, 'getItem'>, key: string): unknown[] {
  try {
    const raw: unknown = JSON.parse(storage.getItem(key) ?? '[]')
    return Array.isArray(raw) ? raw.slice(0, 5_000) : []
  } catch {
    return []
  }
}
