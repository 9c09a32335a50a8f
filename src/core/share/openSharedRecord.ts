import type { CID } from 'multiformats/cid'
import type { BlockAccess } from '../blocks.ts'
import { decodeEnvelope } from '../envelope/envelope.ts'
import { openRecord, type OpenRecordReturnType } from '../envelope/openRecord.ts'
import type { RecordProgress } from '../envelope/sealRecord.ts'
import type { Scope } from '../scopes.ts'
import { sharedUnwrapKey, type SharedAccess } from './sharedAccess.ts'

export type OpenSharedRecordParameters = {
  cid: CID
  access: SharedAccess
  expectedScope?: Scope
  onProgress?: (progress: RecordProgress) => void
}

/**
 * The grantee's open path: fetch the envelope (over Helia, from the patient or a
 * care node), check it is in a granted scope and epoch, get t verified capsule
 * fragments from the proxies, then decrypt through `openRecord`.
 */
export async function openSharedRecord(blocks: BlockAccess, parameters: OpenSharedRecordParameters): Promise<OpenRecordReturnType> {
  const { cid, access, expectedScope, onProgress } = parameters
  // This read tells us which scope key to ask for; openRecord gets the same bytes again
  // without a second trip to the blockstore.
  const envelopeBytes = await blocks.get(cid)
  const { header } = decodeEnvelope(envelopeBytes)
  const unwrapKey = sharedUnwrapKey(access, header.scope, header.epoch)
  const fetched: BlockAccess = {
    put: (bytes, codec) => blocks.put(bytes, codec),
    get: (wanted) => (wanted.equals(cid) ? Promise.resolve(envelopeBytes) : blocks.get(wanted)),
  }
  return openRecord(fetched, {
    cid,
    unwrapKey,
    expectedScope: expectedScope ?? header.scope,
    ...(onProgress ? { onProgress } : {}),
  })
}
