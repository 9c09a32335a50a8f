// Attack: the RPC node the patient's app talks to records every request. A covered
// booking spends a nullifier that is a function of the patient's identity secret and
// the visit number k; if the app asks the RPC "is my nullifier for k spent?" one by one,
// the RPC learns the nullifier of the next booking before it is sent (and may learn the
// unused ones), and can then tie that booking, sent from a one-off account, to the
// client that asked: the patient. The promise: the next free visit is found from the
// plan's spent nullifiers read in one log query, so no request names a nullifier of the
// patient before the booking transaction itself carries it, and the unused ones never.
import { createServer, type Server } from 'node:http'
import { createPublicClient, custom, http, type Transport } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount, deploySalus } from '../../src/chain/deploy/deploySalus.ts'
import { readSlot } from '../../src/chain/appointments/readSlot.ts'
import { nullifierDomain } from '../../src/chain/appointments/nullifierDomain.ts'
import type { SalusPublicClient } from '../../src/chain/createSalusClients.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { salusChain } from '../../src/chain/salusChain.ts'
import { eligibilityNullifier } from '../../src/zk/eligibilityNullifier.ts'
import { identitySecretOf } from '../support/consentChain.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'
import { bookCoveredVisit, coveredPlan, credentialOf, bookingContextFor, periodLength, slotsInOnePeriod } from './support/coveredBooking.ts'

type Recorded = { via: 'public client' | 'config rpc'; method: string; text: string }

const patient = anvilAccount(8)
let anvil: Anvil
let proxy: Server
let config: NetworkConfig
/** Everything the RPC was asked, in order. */
const log: Recorded[] = []
const bookings: { chosen: bigint; unused: bigint[]; sendingAt: number; log: Recorded[] }[] = []

/** A viem transport that records each request's method and params, then forwards it to anvil. */
function recordingTransport(rpcUrl: string): Transport {
  const forward = http(rpcUrl, { retryCount: 0 })({ chain: salusChain(config) })
  return custom({
    async request({ method, params }) {
      log.push({ via: 'public client', method, text: JSON.stringify(params ?? []).toLowerCase() })
      return forward.request({ method, params })
    },
  })
}

/** Every other client of the flow (the one-off sender, the faucet) goes through this recording HTTP proxy. */
async function recordingProxy(rpcUrl: string): Promise<{ server: Server; url: string }> {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString()
    const parsed = JSON.parse(body) as { method: string; params?: unknown } | { method: string; params?: unknown }[]
    for (const call of [parsed].flat()) log.push({ via: 'config rpc', method: call.method, text: JSON.stringify(call.params ?? []).toLowerCase() })
    const answer = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    response.writeHead(answer.status, { 'content-type': 'application/json' })
    response.end(await answer.text())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }
}

/** The ways a nullifier can appear in a request: ABI words and topics (64 hex digits), or decimal. */
const spellings = (nullifier: bigint) => [nullifier.toString(16).padStart(64, '0'), nullifier.toString(10)]
const mentions = (entry: Recorded, nullifier: bigint) => spellings(nullifier).some((s) => entry.text.includes(s))

beforeAll(async () => {
  anvil = await startAnvil()
  const deployed = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
  const recording = await recordingProxy(anvil.rpcUrl)
  proxy = recording.server
  config = { ...deployed, rpcUrl: recording.url }
  const identitySecret = await identitySecretOf(patient.privateKey)
  const planId = await coveredPlan(deployed, [identitySecret, await identitySecretOf(anvilAccount(9).privateKey)], 3)
  const slots = await slotsInOnePeriod(deployed, 2)
  const publicClient = createPublicClient({ chain: salusChain(config), transport: recordingTransport(anvil.rpcUrl), pollingInterval: 250 }) as SalusPublicClient
  const context = bookingContextFor(config, publicClient)
  const credential = await credentialOf(context, identitySecret, planId)
  // The test's own reads go straight to anvil, unrecorded.
  const deployedClient = createPublicClient({ chain: salusChain(deployed), transport: http(anvil.rpcUrl) })
  const domain = nullifierDomain({ chainId: config.chainId, insurance: context.insurance })
  for (const [i, slotId] of slots.entries()) {
    log.length = 0
    let sendingAt = -1
    const { txHash } = await bookCoveredVisit(context, { identitySecret, credential, slotId, onStep: (text) => text === 'Sending the booking' && (sendingAt = log.length) })
    expect(txHash).toMatch(/^0x/)
    const { start } = await readSlot(deployedClient, { appointments: context.appointments, slotId })
    const period = BigInt(Math.floor(start / periodLength))
    const nullifiers = await Promise.all([0, 1, 2].map((k) => eligibilityNullifier({ identitySecret, domain, planId, period, k })))
    // Booking i spends visit k = i: the later ones are still unused.
    bookings.push({ chosen: nullifiers[i]!, unused: nullifiers.slice(i + 1), sendingAt, log: [...log] })
  }
}, 240_000)

afterAll(async () => {
  proxy?.close()
  anvil?.stop()
})

describe('the RPC while the app finds the next free covered visit and books it', () => {
  it('is never asked about a nullifier of the patient’s unused visits', () => {
    for (const booking of bookings) {
      for (const nullifier of booking.unused) expect(booking.log.filter((entry) => mentions(entry, nullifier))).toEqual([])
    }
  })

  it('sees the chosen visit’s nullifier in nothing before the booking transaction itself', () => {
    for (const booking of bookings) {
      expect(booking.sendingAt).toBeGreaterThan(0)
      expect(booking.log.slice(0, booking.sendingAt).filter((entry) => mentions(entry, booking.chosen))).toEqual([])
    }
  })

  it('the search is real: the booking transaction does carry the chosen nullifier, through the RPC', () => {
    for (const booking of bookings) {
      const carrying = booking.log.slice(booking.sendingAt).filter((entry) => mentions(entry, booking.chosen)).map((entry) => entry.method)
      expect(carrying).toContain('eth_sendRawTransaction')
    }
  })
})
