import type { CID } from 'multiformats/cid'
import type { BlockAccess } from '../blocks.ts'
import { openManifest, verifyHead, type SignedHead } from '../consent/scopeManifest.ts'
import type { Scope } from '../scopes.ts'
import { sharedUnwrapKey, type SharedAccess } from './sharedAccess.ts'

export type SharedScopeListing =
  | { scope: Scope; seq: number; entries: CID[]; created: string; head: SignedHead }
  | { scope: Scope; seq?: undefined; entries: []; error?: unknown }

export type ListSharedRecordsParameters = {
  access: SharedAccess
  /** Candidate heads for (author, scope) from the patient and care nodes; unverified. */
  fetchHeads: (author: Uint8Array, scope: Scope) => Promise<unknown[]>
  /** Highest seq already seen per scope: an older head (a care node replaying) is ignored. */
  minSeq?: Partial<Record<Scope, number>>
}

/**
 * Per granted scope: the newest head signed by the patient among the candidates,
 * then its manifest, decrypted through the proxies like a record. A scope whose
 * listing fails carries its error; the others still list.
 */
export async function listSharedRecords(blocks: BlockAccess, parameters: ListSharedRecordsParameters): Promise<SharedScopeListing[]> {
  const { access, fetchHeads, minSeq = {} } = parameters
  const author = access.bundle.author
  return Promise.all(
    access.bundle.scopes.map(async ({ scope, epochs }): Promise<SharedScopeListing> => {
      const granted = new Set(epochs.map((entry) => entry.epoch))
      try {
        let best: SignedHead | undefined
        for (const candidate of await fetchHeads(author, scope)) {
          let head: SignedHead
          try {
            head = verifyHead(candidate, { author, scope })
          } catch {
            continue // a forged or damaged head from one peer must not hide the others
          }
          // A head of an epoch this grant has no fragments for (a rotation it was not reissued for) cannot be opened.
          if (!granted.has(head.head.epoch) || head.head.seq < (minSeq[scope] ?? 0)) continue
          if (!best || head.head.seq > best.head.seq) best = head
        }
        if (!best) return { scope, entries: [] }
        const body = await openManifest(blocks, { head: best, unwrapKey: sharedUnwrapKey(access, scope, best.head.epoch) })
        return { scope, seq: body.seq, entries: body.entries, created: body.created, head: best }
      } catch (error) {
        return { scope, entries: [], error }
      }
    }),
  )
}
