// The care loop on the attack stack (issue 10): a patient who grants a certified doctor
// through the real consent flows, the patient's online inbox (/salus/deliver, write-back
// kind, checked by receiveWriteBack) and the doctor's side of sendWriteBack.
import type * as umbral from '@nucypher/umbral-pre'
import { bytesToHex, type Address, type Hex } from 'viem'
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
import { doctorReceivingKey, type ConsentStack } from './consentStack.ts'
import type { PatientSide } from './patientSide.ts'

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
