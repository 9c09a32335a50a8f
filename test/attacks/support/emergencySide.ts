// The emergency card on the attack stack, through the app's flows (src/flows/emergency):
// the patient publishes a card (a real consent proof, the card's account submits the
// grant), rotates it, and adds summaries; a responder reads it with a real break-glass.
// Raw requests let an attack send exactly what it wants to the real care-node proxies.
import * as umbral from '@nucypher/umbral-pre'
import { CID } from 'multiformats/cid'
import { bytesToHex, hexToBytes, type Address, type Hex } from 'viem'
import { signTypedData } from 'viem/actions'
import { privateKeyToAccount } from 'viem/accounts'
import { anvilAccount } from '../../../src/chain/deploy/deploySalus.ts'
import { blockAccess } from '../../../src/core/blocks.ts'
import { maxResponderPassSeconds, responderPassTypedData, type ResponderCredential } from '../../../src/core/consent/responderPass.ts'
import type { FhirResource } from '../../../src/core/fhir/fhirTypes.ts'
import { openSharedRecord } from '../../../src/core/share/openSharedRecord.ts'
import { openKeyFragmentBundle } from '../../../src/core/consent/keyFragmentBundle.ts'
import { recordSigner } from '../../../src/crypto/umbral.ts'
import { emergencyCardAccount } from '../../../src/flows/emergency/emergencyCardAccount.ts'
import { publishEmergencyCard, type EmergencyCardGrant } from '../../../src/flows/emergency/publishEmergencyCard.ts'
import { readEmergencyCard, type ReadEmergencyCardReturnType } from '../../../src/flows/emergency/readEmergencyCard.ts'
import { rotateEmergencyCard } from '../../../src/flows/emergency/rotateEmergencyCard.ts'
import { updateEmergencySummary } from '../../../src/flows/emergency/updateEmergencySummary.ts'
import type { ConsentContext } from '../../../src/ui/state/consent/consentContext.ts'
import { consentSender } from '../../../src/ui/state/consent/consentSender.ts'
import type { SalusNode } from '../../../src/p2p/createBrowserNode.ts'
import { networkBlockAccess } from '../../../src/p2p/networkBlockAccess.ts'
import { proxyFragmentSource } from '../../../src/p2p/proxyFragmentSource.ts'
import { fetchHead } from '../../../src/p2p/requestHead.ts'
import { HeadRequestError } from '../../../src/p2p/headProtocol.ts'
import { startConsentStack, type ConsentStack } from './consentStack.ts'
import { nodeProver, patientGrants, type PatientSide } from './patientSide.ts'

/** A minimal IPS document Bundle (scope summary) naming one allergy. */
export function summaryBundle(allergy: string): FhirResource {
  const div = (text: string) => `<div xmlns="http://www.w3.org/1999/xhtml">${text}</div>`
  return {
    resourceType: 'Bundle',
    type: 'document',
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${crypto.randomUUID()}` },
    timestamp: new Date().toISOString(),
    entry: [
      {
        fullUrl: 'urn:uuid:6d1ad5b2-4a1f-4b86-9d8f-0c7c2a6f1e01',
        resource: {
          resourceType: 'Composition',
          status: 'final',
          type: { coding: [{ system: 'http://loinc.org', code: '60591-5', display: 'Patient summary Document' }] },
          subject: { display: 'Alice' },
          date: new Date().toISOString(),
          author: [{ display: 'Alice' }],
          title: 'Patient summary',
          section: [{ title: 'Allergies', code: { coding: [{ system: 'http://loinc.org', code: '48765-2' }] }, text: { status: 'generated', div: div(allergy) } }],
        },
      },
    ],
  } as unknown as FhirResource
}

/** The allergy text the summary names (what a crew must read, and an attacker must not). */
export function allergyOf(resource: FhirResource): string | undefined {
  const div = (resource as { entry?: { resource?: { section?: { text?: { div?: string } }[] } }[] }).entry?.[0]?.resource?.section?.[0]?.text?.div
  return div?.replace(/<[^>]+>/g, '')
}

export type EmergencyPatient = {
  publish(allergy?: string): Promise<EmergencyCardGrant>
  rotate(old: EmergencyCardGrant): Promise<EmergencyCardGrant>
  updateSummary(allergy: string): Promise<void>
}

export function emergencyPatient(stack: ConsentStack, patient: PatientSide): EmergencyPatient {
  const blocks = blockAccess({ blockstore: patient.node.blockstore })
  const careNodes = stack.cares.map((care) => care.multiaddrs[0]!)
  const proxies = stack.proxies.map((p) => ({ account: p.address, umbralPublicKey: bytesToHex(p.secretKey.publicKey().toCompressedBytes()) }))
  const context = () => ({
    config: stack.config,
    deployment: { chainId: stack.chainId, consent: stack.consent },
    keys: patient.keys,
    vault: patient.vault,
    blocks,
    node: patient.node,
    careNodes,
    proxies,
    prove: nodeProver,
    threshold: 2,
  })
  return {
    publish: (allergy) => publishEmergencyCard({ ...context(), ...(allergy ? { summaryRecord: summaryBundle(allergy) } : {}) }),
    async rotate(old) {
      const { card } = await rotateEmergencyCard({
        ...context(),
        publicClient: stack.clients(anvilAccount(8).privateKey).publicClient,
        fromBlock: stack.fromBlock,
        oldGrantId: old.grantId,
        sender: () => consentSender({ config: stack.config } as ConsentContext),
        granteeKey: () => undefined,
      })
      return card
    },
    async updateSummary(allergy) {
      await updateEmergencySummary({ ...context(), summaryRecord: summaryBundle(allergy) })
    },
  }
}

/** The app's responder read (break-glass, pass, proxies) as `privateKey`'s account. */
export function readAs(stack: ConsentStack, privateKey: Hex, node: SalusNode, card: EmergencyCardGrant): Promise<ReadEmergencyCardReturnType> {
  const { publicClient, walletClient } = stack.clients(privateKey)
  return readEmergencyCard(card, {
    publicClient,
    walletClient,
    ensureChain: async () => {},
    deployment: { chainId: stack.chainId, consent: stack.consent, fromBlock: stack.fromBlock, emergency: stack.config.contracts.Emergency!.address },
    node,
    careNodes: stack.cares.map((care) => care.multiaddrs[0]!),
    directoryCareNodes: async () => stack.cares.map((care, i) => ({ account: stack.proxies[i]!.address, multiaddrs: care.multiaddrs })),
    catchUp: { attempts: 8, delayMs: 500 },
  })
}

/** A responder pass signed by `privateKey`'s account for a fresh session key, as readEmergencyCard makes it. */
export async function passFor(stack: ConsentStack, privateKey: Hex, grantId: bigint): Promise<ResponderCredential> {
  const { walletClient } = stack.clients(privateKey)
  const sessionKey = umbral.SecretKey.random()
  const signer = new umbral.Signer(sessionKey)
  const sessionKeyBytes = signer.verifyingKey().toCompressedBytes()
  const expires = Math.floor(Date.now() / 1000) + maxResponderPassSeconds - 60
  const signature = await signTypedData(walletClient, { account: walletClient.account, ...responderPassTypedData({ chainId: stack.chainId, consent: stack.consent }, { grantId, sessionKey: sessionKeyBytes, expires }) })
  return { pass: { account: privateKeyToAccount(privateKey).address, sessionKey: sessionKeyBytes, expires, signature: hexToBytes(signature) }, signer }
}

/**
 * What an attacker gets by asking the care nodes directly: opens the newest summary
 * record through the proxies, signing as `signingKey` (the card key, or a forgery) and
 * carrying `responder` when given. Resolves to the plaintext or rejects with the
 * proxies' refusal codes (`SharedAccessError.failures`).
 */
export async function rawOpen(stack: ConsentStack, node: SalusNode, o: { grantId: bigint; record: CID; bundleKey: umbral.SecretKey; bundleBytes: Uint8Array; signingKey: umbral.SecretKey; responder?: ResponderCredential }) {
  const bundle = openKeyFragmentBundle(o.bundleBytes, o.bundleKey)
  const sources = stack.cares.map((care) => proxyFragmentSource(node, { proxy: care.multiaddrs[0]!, grantId: o.grantId, signer: new umbral.Signer(o.signingKey), ...(o.responder ? { responder: o.responder } : {}) }))
  try {
    return await openSharedRecord(networkBlockAccess(node, { timeoutMs: 10_000, providers: stack.cares.map((care) => care.multiaddrs[0]!) }), { cid: o.record, access: { bundle, receivingSecretKey: o.bundleKey, sources } })
  } finally {
    for (const source of sources) void source.close().catch(() => {})
  }
}

/** The refusal codes of a rejected open, or ['opened'] when it succeeded. */
export async function refusalCodes(open: Promise<unknown>): Promise<string[]> {
  return open.then(
    () => ['opened'],
    (error: { failures?: { code: string }[]; name?: string; message?: string }) => (error.failures?.length ? error.failures.map((f) => f.code) : [`${error.name}: ${error.message}`]),
  )
}

/** A head read of the patient's summary as `signingKey` (with `responder`): the head, or the care node's refusal sentence. */
export async function rawHeadRead(stack: ConsentStack, node: SalusNode, o: { grantId: bigint; patientSeed: Uint8Array; signingKey: umbral.SecretKey; responder?: ResponderCredential }): Promise<string> {
  const author = recordSigner(o.patientSeed).verifyingKey.toCompressedBytes()
  try {
    const head = await fetchHead(node, { peer: stack.cares[0]!.multiaddrs[0]!, author, scope: 'summary', grantId: o.grantId, signer: new umbral.Signer(o.signingKey), ...(o.responder ? { responder: o.responder } : {}) })
    return head ? 'served' : 'none'
  } catch (error) {
    return error instanceof HeadRequestError ? `${error.code}: ${error.details ?? error.message}` : String(error)
  }
}

/** The card's keys as whoever holds the card (its secret) has them. */
export function cardHolderKeys(card: EmergencyCardGrant): { account: Address; accountPrivateKey: Hex; receivingSecretKey: umbral.SecretKey } {
  return emergencyCardAccount(card.cardSecret)
}

export type CardScenario = {
  stack: ConsentStack
  patient: PatientSide
  emergency: EmergencyPatient
  card: EmergencyCardGrant
  /** The newest summary record's CID (the attacks assume it known: the strongest attacker). */
  summaryCid: CID
  /** The card's bundle, fetched from the care nodes as anyone can. */
  bundleBytes(node: SalusNode): Promise<Uint8Array>
  emergencyAddress: Address
}

/** A real stack where Alice (account 8) has published a card whose summary names "Penicillin". */
export async function startCardScenario(): Promise<CardScenario> {
  const stack = await startConsentStack()
  const patient = await patientGrants(stack, anvilAccount(8).privateKey, 4)
  const emergency = emergencyPatient(stack, patient)
  const card = await emergency.publish('Penicillin')
  const summaryCid = CID.parse(patient.vault.list().filter((record) => record.scope === 'summary').at(-1)!.cid)
  return {
    stack,
    patient,
    emergency,
    card,
    summaryCid,
    bundleBytes: (node) => networkBlockAccess(node, { timeoutMs: 10_000, providers: stack.cares.map((care) => care.multiaddrs[0]!) }).get(card.bundleCid),
    emergencyAddress: stack.config.contracts.Emergency!.address,
  }
}
