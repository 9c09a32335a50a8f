// The care loop's delivery (issue 10) on a real anvil, two care nodes and libp2p in Node,
// with a patient who granted a certified doctor through the app's consent flow
// (bench/support/consentStack.ts):
// writeback.deliver_online_ms: the doctor sends a 10 KB visit note (sendWriteBack: EIP-712
//   signature, sealing to the scope key, /salus/deliver through a care node's relay) to the
//   patient's browser, which opens and checks it (receiveWriteBack: scope keys, signature,
//   FHIR, the grant and the DOCTOR role read on chain) and puts it in the inbox; until it is
//   in the inbox (the mailbox copy the send leaves afterwards is not counted). Median of 10,
//   after one warm-up.
// writeback.deliver_mailbox_ms: 20 items wait in the patient's mailbox on the care nodes;
//   the patient comes online (a new node, its relays reserved) and collects (collectInbox:
//   one signed take per care node, open and check each, keep, ack, `delivered` answer),
//   until all 20 are in the inbox. One run (a fresh stack per round would dominate).
import { bytesToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { anvilAccount } from '../src/chain/deploy/deploySalus.ts'
import type { InboxItem } from '../src/core/careLoop/writeBack.ts'
import { openKeyFragmentBundle } from '../src/core/consent/keyFragmentBundle.ts'
import { buildVisitNote } from '../src/core/fhir/doctorForms.ts'
import { collectInbox } from '../src/flows/careLoop/collectInbox.ts'
import { receiveWriteBack, type InboxContext } from '../src/flows/careLoop/receiveWriteBack.ts'
import { sendWriteBack } from '../src/flows/careLoop/sendWriteBack.ts'
import { findPatientGrants } from '../src/flows/consent/findPatientGrants.ts'
import { createBrowserNode } from '../src/p2p/createBrowserNode.ts'
import { serveDeliverProtocol } from '../src/p2p/serveDeliverProtocol.ts'
import { median, type Benchmark } from './support/benchmark.ts'
import { benchPatient, doctorReceivingKey, startConsentStack, type ConsentStack } from './support/consentStack.ts'

const noteText = 'Visit note. '.repeat(Math.ceil(10_000 / 12)).slice(0, 10_000)

async function scene() {
  const stack = await startConsentStack()
  const patientKey = anvilAccount(8).privateKey
  const patient = await benchPatient(stack, patientKey)
  const doctor = anvilAccount(2)
  const receivingKey = await doctorReceivingKey(doctor.privateKey)
  const careNodes = stack.cares.map((c) => c.multiaddrs[0]!)
  const granted = await patient.grant({ grantee: doctor.account.address, receivingKey: receivingKey.publicKey(), scopes: ['notes'], days: 30 })
  const bundle = openKeyFragmentBundle(granted.bundleBytes, receivingKey)
  const doctorNode = await createBrowserNode({ account: doctor.account.address, peerKeySeed: new Uint8Array(32).fill(22), relays: careNodes, blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
  const signer = privateKeyToAccount(doctor.privateKey)
  const deployment = { chainId: stack.chain.chainId, consent: stack.consent }
  const context = async (): Promise<InboxContext & { grants: Awaited<ReturnType<typeof findPatientGrants>>['grants'] }> => ({
    publicClient: stack.chain.publicClient,
    deployment: { ...deployment, registry: stack.chain.config.contracts.Registry.address },
    keys: patient.keys,
    grants: (await findPatientGrants(stack.chain.publicClient, { ...deployment, fromBlock: stack.fromBlock, identitySecret: patient.keys.identitySecret })).grants,
    epochsOf: (scope) => patient.vault.epochsOf(scope),
  })
  const send = (i: number, onlineTimeoutMs?: number) =>
    sendWriteBack({
      node: doctorNode,
      careNodes,
      deployment,
      doctor: { account: doctor.account.address, signTypedData: (typedData) => signer.signTypedData(typedData) },
      grant: { grantId: granted.grantId, bundle },
      receivingKey,
      resource: buildVisitNote({ author: { account: doctor.account.address, name: 'Dr. Bench' }, visitDate: '2026-12-01', title: `Visit ${i}`, text: noteText }),
      ...(onlineTimeoutMs ? { onlineTimeoutMs } : {}),
    })
  return {
    stack, patient, careNodes, context, send, receivingKey,
    async stop() {
      await doctorNode.stop()
      await patient.stop().catch(() => {})
      await stack.stop()
    },
  }
}

async function deliverOnlineMs(): Promise<number> {
  const s = await scene()
  try {
    const inbox: InboxItem[] = []
    // When each item is in the inbox: sendWriteBack then also leaves a mailbox copy, which is not part of this figure.
    const arrivedAt = new Map<string, number>()
    const context = await s.context()
    await serveDeliverProtocol(s.patient.node, {
      onDelivery: async (delivery) => {
        if (delivery.kind !== 'write-back') throw new Error('not a write-back')
        const item = await receiveWriteBack(context, delivery.item)
        inbox.push(item)
        arrivedAt.set(item.id, performance.now())
      },
    })
    const times: number[] = []
    for (let round = 0; round <= 10; round++) {
      const started = performance.now()
      const sent = await s.send(round)
      const arrived = arrivedAt.get(sent.id)
      if (sent.status !== 'delivered' || arrived === undefined) throw new Error(`round ${round}: ${sent.status}`)
      const took = arrived - started
      if (round > 0) times.push(took)
    }
    console.log(`  (rounds: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`)
    return median(times)
  } finally {
    await s.stop()
  }
}

async function deliverMailboxMs(): Promise<number> {
  const s = await scene()
  try {
    await s.patient.stop() // the patient closes their tab
    for (let i = 0; i < 20; i++) {
      const sent = await s.send(i, 1_000)
      if (sent.status !== 'sent') throw new Error(`item ${i} was ${sent.status}`)
    }
    const started = performance.now()
    const account = privateKeyToAccount(anvilAccount(8).privateKey).address
    const node = await createBrowserNode({ account, peerKeySeed: new Uint8Array(32).fill(4), relays: s.careNodes, blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
    const online = performance.now()
    try {
      const kept: InboxItem[] = []
      const doctorKey = bytesToHex(s.receivingKey.publicKey().toCompressedBytes())
      await collectInbox({ ...(await s.context()), node, careNodes: s.careNodes, keep: async (items) => void kept.push(...items), doctorKey: async () => doctorKey })
      const took = performance.now() - started
      if (kept.length !== 20) throw new Error(`${kept.length} of 20 items collected`)
      console.log(`  (node online ${(online - started).toFixed(0)} ms, collection ${(took - (online - started)).toFixed(0)} ms)`)
      return took
    } finally {
      await node.stop()
    }
  } finally {
    await s.stop()
  }
}

const benchmarks: Benchmark[] = [
  { name: 'writeback.deliver_online_ms', about: 'a 10 KB visit note from the doctor to the online patient\'s inbox (sign, seal, /salus/deliver via a care node relay, open and check on chain), Node, anvil, two care nodes, median of 10', unit: 'ms', better: 'lower', run: deliverOnlineMs },
  { name: 'writeback.deliver_mailbox_ms', about: 'the patient comes online (new node, relays) and collects 20 waiting 10 KB notes from the care-node mailboxes until all are in the inbox (take, open, check on chain, keep, ack, delivered answer), Node, anvil, two care nodes', unit: 'ms', better: 'lower', run: deliverMailboxMs },
]

export default benchmarks
