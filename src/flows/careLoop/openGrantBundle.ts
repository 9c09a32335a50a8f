import type { Address } from 'viem'
import type { ConsentPublicClient } from '../../chain/consent/consentClients.ts'
import { readGrantBundle } from '../../chain/consent/readGrantBundle.ts'
import { openKeyFragmentBundle, type KeyFragmentBundle } from '../../core/consent/keyFragmentBundle.ts'
import { receivingSecretKey } from '../../crypto/umbral.ts'
import type { SalusNode } from '../../p2p/createBrowserNode.ts'
import { networkBlockAccess } from '../../p2p/networkBlockAccess.ts'

export type OpenGrantBundleParameters = {
  publicClient: ConsentPublicClient
  deployment: { consent: Address; fromBlock: bigint }
  grantId: bigint
  grantee: Address
  node: SalusNode
  /** Care nodes' multiaddrs: they keep the bundle. */
  careNodes: readonly string[]
  preMasterSeed: Uint8Array
}

/**
 * The doctor's view of a grant's current key-fragment bundle (the delivered one, or the one
 * reissued after a rotation), fetched from the care nodes and opened with the doctor's
 * receiving key: what a write-back needs (scope keys per epoch, the patient's contact).
 */
export async function openGrantBundle(parameters: OpenGrantBundleParameters): Promise<KeyFragmentBundle> {
  const { publicClient, deployment, grantId, grantee, node, careNodes, preMasterSeed } = parameters
  const { bundleCid } = await readGrantBundle(publicClient, { ...deployment, grantId, grantee })
  const blocks = networkBlockAccess(node, { timeoutMs: 20_000, providers: [...careNodes] })
  const key = receivingSecretKey(preMasterSeed)
  try {
    return openKeyFragmentBundle(await blocks.get(bundleCid), key)
  } finally {
    key.free()
  }
}
