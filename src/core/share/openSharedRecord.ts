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
  // openRecord decodes it again from the local blockstore; this read tells us which scope key to ask for.
  const { header } = decodeEnvelope(await blocks.get(cid))
  const unwrapKey = sharedUnwrapKey(access, header.scope, header.epoch)
  return openRecord(blocks, {
    cid,
    unwrapKey,
    expectedScope: expectedScope ?? header.scope,
    ...(onProgress ? { onProgress } : {}),
  })
}
