// Attack: a break-glass used to open a doctor's grant. Grant ids are public, so a
// responder can name any grant; with the doctor colluding (or the doctor's key stolen),
// a break-glass request would skip the access session the patient sees for a doctor's
// read, and reach every scope the doctor holds. The test grants allergies and summary
// to a seeded doctor with a real proof, and asserts the chain refuses a break-glass on
// that grant (Emergency__NotEmergencyGrant), every real proxy refuses a break-glass
// request on it signed by the doctor's key and a real responder pass
// (not-emergency-grant), heads are refused, and no plaintext comes back.
import * as umbral from '@nucypher/umbral-pre'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { submitBreakGlass } from '../../src/chain/emergency/submitBreakGlass.ts'
import { blockAccess } from '../../src/core/blocks.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { doctorReceivingKey } from './support/consentStack.ts'
import { passFor, rawHeadRead, rawOpen, refusalCodes, startCardScenario, type CardScenario } from './support/emergencySide.ts'

describe('attack: a break-glass on a doctor’s grant', () => {
  let s: CardScenario
  let node: SalusNode
  let doctorKey: umbral.SecretKey
  let doctorGrant: bigint
  let allergyCid: CID
  let bundleBytes: Uint8Array
  const paramedic = anvilAccount(6)
  const doctor = anvilAccount(2)

  beforeAll(async () => {
    s = await startCardScenario()
    node = await s.stack.node(paramedic.account.address, 6)
    doctorKey = await doctorReceivingKey(doctor.privateKey)
    allergyCid = await s.patient.addRecord('Peanuts')
    const granted = await s.patient.grant({ grantee: doctor.account.address, receivingKey: doctorKey.publicKey(), scopes: ['summary', 'allergies'], days: 1 })
    doctorGrant = granted.grantId
    bundleBytes = await blockAccess({ blockstore: s.patient.node.blockstore }).get(granted.bundleCid)
  })

  afterAll(async () => {
    await s?.stack.stop()
  })

  it('the chain refuses a break-glass on the doctor’s grant', async () => {
    await expect(submitBreakGlass(s.stack.clients(paramedic.privateKey).walletClient, { emergency: s.emergencyAddress, grantId: doctorGrant })).rejects.toMatchObject({
      name: 'ContractRefusedError',
      errorName: 'Emergency__NotEmergencyGrant',
    })
  })

  it('every proxy refuses a break-glass request on it, signed by the doctor’s key with a responder’s pass (not-emergency-grant), and heads', async () => {
    // Against the card's grant, the same responder's break-glass is allowed: only the grant differs.
    await submitBreakGlass(s.stack.clients(paramedic.privateKey).walletClient, { emergency: s.emergencyAddress, grantId: s.card.grantId })
    for (const record of [allergyCid, s.summaryCid]) {
      const attempt = async () => rawOpen(s.stack, node, { grantId: doctorGrant, record, bundleKey: doctorKey, bundleBytes, signingKey: doctorKey, responder: await passFor(s.stack, paramedic.privateKey, doctorGrant) })
      await expect.poll(() => refusalCodes(attempt()), { timeout: 15_000, interval: 500 }).toEqual(['not-emergency-grant', 'not-emergency-grant'])
    }
    const head = await rawHeadRead(s.stack, node, { grantId: doctorGrant, patientSeed: s.patient.keys.preMasterSeed, signingKey: doctorKey, responder: await passFor(s.stack, paramedic.privateKey, doctorGrant) })
    expect(head).toMatch(/^unauthorized: .*not an emergency card/)
  })
})
