// The patient's side of the attack stack, through the same flows the app runs
// (src/flows/consent): a real vault, bound bundles, real proofs, revocation with key
// rotation. The revocation and reissues go out from a one-off account the local faucet
// funds (consentSender, as the app does), never the patient's wallet.
import type * as umbral from '@nucypher/umbral-pre'
import { CID } from 'multiformats/cid'
import { bytesToHex, type Address, type Hex } from 'viem'
import { anvilAccount } from '../../../src/chain/deploy/deploySalus.ts'
import { submitGrant } from '../../../src/chain/consent/submitGrant.ts'
import { blockAccess } from '../../../src/core/blocks.ts'
import { openKeyFragmentBundle, type KeyFragmentBundle } from '../../../src/core/consent/keyFragmentBundle.ts'
import type { Scope } from '../../../src/core/scopes.ts'
import type { Anchorer } from '../../../src/core/vault/types.ts'
import { memoryRecordIndex } from '../../../src/core/vault/memoryRecordIndex.ts'
import { Vault } from '../../../src/core/vault/Vault.ts'
import type { ConsentProver } from '../../../src/flows/consent/consentProver.ts'
import { findPatientGrants, nextGrantIndex } from '../../../src/flows/consent/findPatientGrants.ts'
import { prepareConsent } from '../../../src/flows/consent/prepareConsent.ts'
import { publishScopeManifests } from '../../../src/flows/consent/publishScopeManifests.ts'
import { revokeGrant, type RevokeGrantReturnType } from '../../../src/flows/consent/revokeGrant.ts'
import { moveGrantsToNewKeys, type MoveGrantsToNewKeysParameters, type MoveGrantsToNewKeysReturnType } from '../../../src/flows/consent/moveGrantsToNewKeys.ts'
import { rotateVaultKeys } from '../../../src/core/vault/rotateVaultKeys.ts'
import type { SalusKeys } from '../../../src/core/keys/deriveKeys.ts'
import type { SalusNode } from '../../../src/p2p/createBrowserNode.ts'
import type { ConsentContext } from '../../../src/ui/state/consent/consentContext.ts'
import { consentSender } from '../../../src/ui/state/consent/consentSender.ts'
import { keysOf, proveConsentInNode, type ConsentStack } from './consentStack.ts'

export const nodeProver: ConsentProver = ({ identitySecret, grantee, paramsHash, chainId, consent, grantIndex }) =>
  proveConsentInNode({ chainId: Number(chainId), consent, grantIndex }, identitySecret, grantee, paramsHash)

export type PatientSide = {
  /** The vault open with the current keys (a new one after rotate()). */
  readonly vault: Vault
  /** The current keys (the next version after rotate()). */
  readonly keys: SalusKeys
  node: SalusNode
  /** Adds an allergy to the vault (sealed in the scope's current epoch) and publishes the manifests. */
  addRecord(text: string): Promise<CID>
  grant(o: { grantee: Address; receivingKey: umbral.PublicKey; scopes: Scope[]; days: number }): Promise<{ grantId: bigint; bundleCid: CID; bundleFor(key: umbral.SecretKey): KeyFragmentBundle }>
  /** `otherKeys`: receiving keys of grantees with no directory entry (an emergency card), as the app passes them. */
  revoke(grantId: bigint, otherKeys?: (grantee: Address) => Hex | undefined): Promise<RevokeGrantReturnType>
  /**
   * "Rotate my keys" as the app does it: the grants found with the old keys, the vault
   * re-sealed under the next key version, then every active grant moved to the new keys
   * (moveGrantsToNewKeys). `deliver` stands for the Sharing page's delivery to the doctor.
   */
  rotate(o?: { deliver?: MoveGrantsToNewKeysParameters['deliver']; /** Doctors missing from the directory at rotation time. */ unlisted?: Address[] }): Promise<{ oldKeys: SalusKeys; moved: MoveGrantsToNewKeysReturnType }>
}

/** `anchorer`: the vault's chain side (openAnchorer in the app); none by default. */
export async function patientGrants(stack: ConsentStack, privateKey: Hex, fill: number, options: { anchorer?: Anchorer } = {}): Promise<PatientSide> {
  let keys = await keysOf(privateKey)
  const node = await stack.node(anvilAccount(8).account.address, fill)
  const blocks = blockAccess({ blockstore: node.blockstore })
  const index = memoryRecordIndex()
  const anchorer = options.anchorer ? { anchorer: options.anchorer } : {}
  let vault = await Vault.open({ keys, blocks, index, ...anchorer })
  const careNodes = stack.cares.map((care) => care.multiaddrs[0]!)
  const proxies = stack.proxies.map((p) => ({ account: p.address, umbralPublicKey: bytesToHex(p.secretKey.publicKey().toCompressedBytes()) }))
  const granteeKeys = new Map<string, Hex>()
  const deployment = { chainId: stack.chainId, consent: stack.consent }
  return {
    get vault() {
      return vault
    },
    get keys() {
      return keys
    },
    node,
    async addRecord(text) {
      const summary = await vault.addRecord({ resource: { resourceType: 'AllergyIntolerance', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] }, code: { text }, patient: { reference: 'Patient/p' } }, source: 'form' })
      await publishScopeManifests({ node, blocks, preMasterSeed: keys.preMasterSeed, records: vault.list(), scopes: ['allergies'], epochOf: (s) => vault.currentEpoch(s), careNodes, required: 2 })
      return CID.parse(summary.cid)
    },
    async grant({ grantee, receivingKey, scopes, days }) {
      const umbralPublicKey = bytesToHex(receivingKey.toCompressedBytes())
      granteeKeys.set(grantee.toLowerCase(), umbralPublicKey)
      const { grants } = await findPatientGrants(stack.clients(privateKey).publicClient, { ...deployment, fromBlock: stack.fromBlock, identitySecret: keys.identitySecret })
      const prepared = await prepareConsent({
        grantIndex: nextGrantIndex(grants, grantee),
        keys,
        vault,
        blocks,
        node,
        careNodes,
        deployment,
        doctor: { account: grantee, umbralPublicKey },
        scopes,
        expiry: Math.floor(Date.now() / 1000) + days * 86_400,
        proxies,
        threshold: 2,
        prove: nodeProver,
      })
      const params = { ...prepared.grant, expiry: BigInt(prepared.grant.expiry) }
      const { grantId } = await submitGrant(stack.clients(granteeKey(grantee)).walletClient, { consent: stack.consent, params, pseudonym: prepared.pseudonym, proof: [...prepared.proof] })
      const bytes = await blocks.get(prepared.bundleCid)
      return { grantId, bundleCid: prepared.bundleCid, bundleFor: (key) => openKeyFragmentBundle(bytes, key) }
    },
    async revoke(grantId, otherKeys) {
      const { grants } = await findPatientGrants(stack.clients(privateKey).publicClient, { ...deployment, fromBlock: stack.fromBlock, identitySecret: keys.identitySecret })
      const grant = grants.find((g) => g.grantId === grantId)
      if (!grant) throw new Error(`grant ${grantId} is not the patient's`)
      return revokeGrant({
        publicClient: stack.clients(privateKey).publicClient,
        // One-off accounts funded by the local faucet (consentSender, as the app's
        // PatientGrantsState makes them) carry the revocation and each reissue, one
        // account per transaction: the patient's wallet stays off chain, and no
        // sender ties the revoked grant to the reissued ones.
        sender: () => consentSender({ config: stack.config } as ConsentContext),
        deployment: { ...deployment, fromBlock: stack.fromBlock },
        keys,
        vault,
        blocks,
        node,
        careNodes,
        grant,
        proxies,
        granteeKey: (address) => granteeKeys.get(address.toLowerCase()) ?? otherKeys?.(address),
        prove: nodeProver,
      })
    },
    async rotate(o = {}) {
      const oldKeys = keys
      const newKeys = await keysOf(privateKey, oldKeys.keyVersion + 1)
      const publicClient = stack.clients(privateKey).publicClient
      // Before the rotation: only the old identity recognises the old grants.
      const { grants } = await findPatientGrants(publicClient, { ...deployment, fromBlock: stack.fromBlock, identitySecret: oldKeys.identitySecret })
      await rotateVaultKeys({ from: vault, keys: newKeys, blocks, index })
      vault = await Vault.open({ keys: newKeys, blocks, index, ...anchorer })
      keys = newKeys
      const moved = await moveGrantsToNewKeys({
        publicClient,
        deployment: { ...deployment, fromBlock: stack.fromBlock },
        oldKeys,
        newKeys,
        grants,
        vault,
        blocks,
        node,
        careNodes,
        proxies,
        granteeKey: (address) => (o.unlisted?.some((a) => a.toLowerCase() === address.toLowerCase()) ? undefined : granteeKeys.get(address.toLowerCase())),
        prove: nodeProver,
        sender: () => consentSender({ config: stack.config } as ConsentContext),
        deliver: o.deliver ?? (async () => {}),
      })
      return { oldKeys, moved }
    },
  }
}

/** The grantee submits their grant from their own account (anvil's test keys). */
export function granteeKey(grantee: Address): Hex {
  for (let i = 0; i < 10; i++) if (anvilAccount(i).account.address.toLowerCase() === grantee.toLowerCase()) return anvilAccount(i).privateKey
  throw new Error(`no test key for ${grantee}`)
}
