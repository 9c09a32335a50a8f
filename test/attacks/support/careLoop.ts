// The care loop on the attack stack (issue 10): a patient who grants a certified doctor
// through the real consent flows, the patient's online inbox (/salus/deliver, write-back
// kind, checked by receiveWriteBack) and the doctor's side of sendWriteBack.
import type * as umbral from '@nucypher/umbral-pre'
import { bytesToHex, hashTypedData, keccak256, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { anvilAccount } from '../../../src/chain/deploy/deploySalus.ts'
import type { InboxItem } from '../../../src/core/careLoop/writeBack.ts'
import type { KeyFragmentBundle } from '../../../src/core/consent/keyFragmentBundle.ts'
import type { FhirResource } from '../../../src/core/fhir/fhirTypes.ts'
import type { Scope } from '../../../src/core/scopes.ts'
import { collectInbox, type InboxRefusal } from '../../../src/flows/careLoop/collectInbox.ts'
import { receiveWriteBack, type InboxContext } from '../../../src/flows/careLoop/receiveWriteBack.ts'
import { sendWriteBack, type SendWriteBackReturnType } from '../../../src/flows/careLoop/sendWriteBack.ts'
import { findPatientGrants } from '../../../src/flows/consent/findPatientGrants.ts'
import type { SalusNode } from '../../../src/p2p/createBrowserNode.ts'
import { serveDeliverProtocol } from '../../../src/p2p/serveDeliverProtocol.ts'
import { doctorReceivingKey, startConsentStack, type ConsentStack } from './consentStack.ts'
import { patientGrants, type PatientSide } from './patientSide.ts'
import { expect } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { sealWriteBack, writeBackTypedData, type PreparedWriteBack } from '../../../src/core/careLoop/writeBack.ts'
import { openGrantContact } from '../../../src/core/consent/keyFragmentBundle.ts'
import { deliverMessage } from '../../../src/p2p/deliverMessage.ts'
import { postToMailbox } from '../../../src/p2p/mailboxClient.ts'

export const doctorAuthor = (index = 2) => ({ account: anvilAccount(index).account.address, name: `Dr. Test ${index}` })

export type DoctorSide = {
  account: Address
  privateKey: Hex
  receivingKey: umbral.SecretKey
  node: SalusNode
  send(o: { grantId: bigint; bundle: KeyFragmentBundle; resource: FhirResource; scope?: Scope; replaces?: string; onlineTimeoutMs?: number }): Promise<SendWriteBackReturnType>
}

export async function doctorSide(stack: ConsentStack, index = 2, fill = 60 + index): Promise<DoctorSide> {
  const { account, privateKey } = anvilAccount(index)
  const receivingKey = await doctorReceivingKey(privateKey)
  const node = await stack.node(account.address, fill)
  const signer = privateKeyToAccount(privateKey)
  return {
    account: account.address,
    privateKey,
    receivingKey,
    node,
    send: ({ grantId, bundle, resource, scope, replaces, onlineTimeoutMs }) =>
      sendWriteBack({
        node,
        careNodes: stack.cares.map((c) => c.multiaddrs[0]!),
        deployment: { chainId: stack.chainId, consent: stack.consent },
        doctor: { account: account.address, signTypedData: (typedData) => signer.signTypedData(typedData) },
        grant: { grantId, bundle },
        receivingKey,
        resource,
        ...(scope ? { scope } : {}),
        ...(replaces ? { replaces } : {}),
        ...(onlineTimeoutMs ? { onlineTimeoutMs } : {}),
      }),
  }
}

/** The patient's inbox: what arrived online (checked on arrival, refused with a sentence otherwise), and collections from the mailboxes. */
export type PatientInbox = {
  items: InboxItem[]
  refusals: InboxRefusal[]
  context(): Promise<InboxContext>
  /** Serves /salus/deliver on `node` (the patient's browser being online). */
  serve(node: SalusNode): Promise<() => Promise<void>>
  collect(node: SalusNode, o?: { doctorKey?: Hex }): Promise<InboxItem[]>
  /** Resolves once `count` items are in the inbox. */
  until(count: number, timeoutMs?: number): Promise<void>
}

export function patientInbox(stack: ConsentStack, patient: PatientSide, patientKey: Hex): PatientInbox {
  const items: InboxItem[] = []
  const refusals: InboxRefusal[] = []
  const context = async (): Promise<InboxContext & { grants: Awaited<ReturnType<typeof findPatientGrants>>['grants'] }> => {
    const { grants } = await findPatientGrants(stack.clients(patientKey).publicClient, { chainId: stack.chainId, consent: stack.consent, fromBlock: stack.fromBlock, identitySecret: patient.keys.identitySecret })
    return {
      publicClient: stack.clients(patientKey).publicClient,
      deployment: { chainId: stack.chainId, consent: stack.consent, registry: stack.registry },
      keys: patient.keys,
      grants,
      epochsOf: (scope) => patient.vault.epochsOf(scope),
    }
  }
  const add = (item: InboxItem) => {
    if (!items.some((known) => known.id === item.id)) items.push(item)
  }
  return {
    items,
    refusals,
    context,
    async serve(node) {
      return serveDeliverProtocol(node, {
        onDelivery: async (delivery) => {
          if (delivery.kind !== 'write-back') throw new Error('not a write-back')
          try {
            add(await receiveWriteBack(await context(), delivery.item))
          } catch (error) {
            refusals.push({ source: 'online', error: error as InboxRefusal['error'] })
            throw error
          }
        },
      })
    },
    async collect(node, o = {}) {
      const found = await collectInbox({
        ...(await context()),
        node,
        careNodes: stack.cares.map((c) => c.multiaddrs[0]!),
        known: new Set(items.map((item) => item.id)),
        keep: async (kept) => kept.forEach(add),
        onRefused: (refusal) => refusals.push(refusal),
        ...(o.doctorKey ? { doctorKey: async () => o.doctorKey } : {}),
      })
      return found
    },
    async until(count, timeoutMs = 30_000) {
      const started = Date.now()
      while (items.length < count) {
        if (Date.now() - started > timeoutMs) throw new Error(`${items.length} of ${count} items within ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
  }
}

export const publicKeyHex = (key: umbral.SecretKey): Hex => bytesToHex(key.publicKey().toCompressedBytes())

// ---- Attack scenes ----
export type CareLoopScene = {
  stack: ConsentStack
  patient: PatientSide
  patientKey: Hex
  doctor: DoctorSide
  grant: { grantId: bigint; bundle: KeyFragmentBundle }
  inbox: PatientInbox
  careNodes: string[]
  stop(): Promise<void>
}

/** A patient (Alice) who granted `scopes` to a certified doctor (account 2), online with the inbox served. */
export async function careLoopScene(scopes: Scope[]): Promise<CareLoopScene> {
  const stack = await startConsentStack()
  const patientKey = anvilAccount(8).privateKey
  const patient = await patientGrants(stack, patientKey, 8)
  const doctor = await doctorSide(stack, 2)
  const granted = await patient.grant({ grantee: doctor.account, receivingKey: doctor.receivingKey.publicKey(), scopes, days: 30 })
  const inbox = patientInbox(stack, patient, patientKey)
  await inbox.serve(patient.node)
  return {
    stack,
    patient,
    patientKey,
    doctor,
    grant: { grantId: granted.grantId, bundle: granted.bundleFor(doctor.receivingKey) },
    inbox,
    careNodes: stack.cares.map((c) => c.multiaddrs[0]!),
    stop: () => stack.stop(),
  }
}

/**
 * An item made by hand, as an attacker would: any resource bytes, any signer, any named
 * author, grant and scope, sealed to any delegating key (sealWriteBack checks nothing).
 */
export async function craftItem(o: {
  resourceBytes: Uint8Array
  signerKey: Hex
  author: Address
  grantId: bigint
  scope: Scope
  delegatingKey: Uint8Array
  epoch: number
  deployment: { chainId: number; consent: Address }
}): Promise<{ item: Uint8Array; id: string }> {
  const terms = { grantId: o.grantId, scope: o.scope, signedAt: Math.floor(Date.now() / 1000), ...o.deployment }
  const resourceHash = keccak256(o.resourceBytes)
  const typedData = writeBackTypedData(resourceHash, terms)
  const prepared = { resource: { resourceType: 'Basic' }, resourceBytes: o.resourceBytes, resourceHash, terms, typedData, id: hashTypedData(typedData) } satisfies PreparedWriteBack
  const signature = await privateKeyToAccount(o.signerKey).signTypedData(typedData)
  return { item: sealWriteBack({ prepared, author: o.author, signature, delegatingKey: o.delegatingKey, epoch: o.epoch }), id: prepared.id }
}

/** The scope's newest delegating key in a bundle, as the doctor sees it. */
export function delegatingKeyOf(bundle: KeyFragmentBundle, scope: Scope): { delegatingKey: Uint8Array; epoch: number } {
  const entry = bundle.scopes.find((s) => s.scope === scope)
  if (!entry) throw new Error(`${scope} is not in the bundle`)
  const newest = entry.epochs.at(-1)!
  return { delegatingKey: newest.delegatingKey, epoch: newest.epoch }
}

/**
 * Sends the item both ways a doctor can: straight to the patient's browser (refused there
 * with the inbox's sentence) and into the patient's mailbox (set aside at collection and
 * deleted). Asserts nothing reaches the inbox and returns the refusals' reasons/sentences.
 */
export async function expectRefusedBothWays(scene: CareLoopScene, item: Uint8Array): Promise<{ online: string; mailbox: string[] }> {
  const contact = openGrantContact(scene.grant.bundle, scene.doctor.receivingKey)!
  const online = await deliverMessage(scene.doctor.node, {
    peer: scene.careNodes.map((care) => multiaddr(`${care}/p2p-circuit/p2p/${contact.peerId}`)),
    delivery: { v: 1, kind: 'write-back', item },
  }).then(
    () => 'accepted',
    (error: { name: string; code?: string; details?: string }) => `${error.name}:${error.code}:${error.details ?? ''}`,
  )
  await postToMailbox(scene.doctor.node, scene.careNodes, { to: contact.mailbox, payload: item })
  const before = scene.inbox.refusals.length
  const collected = await scene.inbox.collect(scene.patient.node)
  expect(collected).toEqual([])
  expect(scene.inbox.items).toEqual([])
  const mailbox = scene.inbox.refusals.slice(before).map((r) => `${r.error.name}:${(r.error as { reason?: string }).reason ?? ''}:${r.error.shortMessage}`)
  // Refused entries are deleted: the next collection finds nothing.
  const refusedAgain = scene.inbox.refusals.length
  expect(await scene.inbox.collect(scene.patient.node)).toEqual([])
  expect(scene.inbox.refusals.length).toBe(refusedAgain)
  return { online, mailbox }
}
