import type { CID } from 'multiformats/cid'
import { numberToHex, type Address } from 'viem'
import type { SalusNode } from '../../../p2p/createBrowserNode.ts'
import type { ConsentDelivery } from '../../../p2p/deliverProtocol.ts'
import { relayAddresses } from './relayAddresses.ts'

/** What the doctor receives over /salus/deliver: the proof's public values, the proof, and where to reach the patient. */
export function consentDelivery(p: {
  grant: { grantee: Address; scopesMask: number; expiry: number; proxiesHash: bigint; threshold: number }
  bundleCid: CID
  pseudonym: bigint
  proof: readonly bigint[]
  node: SalusNode
  label: string
}): ConsentDelivery {
  return {
    v: 1,
    kind: 'consent',
    grant: { ...p.grant, proxiesHash: numberToHex(p.grant.proxiesHash), bundleCid: p.bundleCid.toString() },
    pseudonym: numberToHex(p.pseudonym),
    proof: p.proof.map((word) => numberToHex(word)),
    patient: { peerId: p.node.libp2p.peerId.toString(), addrs: relayAddresses(p.node) },
    label: p.label,
  }
}
