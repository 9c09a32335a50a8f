// The doctor's off-chain check of a delivered consent (src/zk/verifyConsentProof.ts),
// against the committed real proof fixture: it accepts exactly what Consent.grant would.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { VerificationKey } from 'snarkjs'
import { afterAll, describe, expect, it } from 'vitest'
import { fixtureDeployment, fixtureGrant, redeployDeployment } from '../fixtures/zk/consentFixtures.ts'
import { proxiesCommitment } from '../../src/chain/consent/proxiesCommitment.ts'
import { verifyConsentProof } from '../../src/zk/verifyConsentProof.ts'

const root = path.resolve(import.meta.dirname, '../..')
const vkey = JSON.parse(readFileSync(path.join(root, 'public/zk/consent.vkey.json'), 'utf8')) as VerificationKey
const fixture = JSON.parse(readFileSync(path.join(root, 'test/fixtures/zk/consent-grant.json'), 'utf8')) as { publicSignals: string[]; packed: string[] }
const proof = fixture.packed.map(BigInt)
const pseudonym = BigInt(fixture.publicSignals[0]!)
const terms = {
  grantee: fixtureGrant.grantee,
  scopesMask: fixtureGrant.scopesMask,
  expiry: fixtureGrant.expiry,
  proxiesHash: proxiesCommitment({ proxies: [...fixtureGrant.proxies], salt: fixtureGrant.salt }),
  threshold: fixtureGrant.threshold,
  bundleCid: fixtureGrant.bundleCid,
}

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128?.terminate()
})

describe('verifying a delivered consent proof', () => {
  it('accepts the real proof for its own terms, deployment and pseudonym', async () => {
    expect(await verifyConsentProof(vkey, { ...fixtureDeployment, terms, pseudonym, proof })).toEqual({ ok: true })
  })

  it('refuses it for any other term, deployment, pseudonym or proof word, with a reason', async () => {
    const cases = [
      { ...fixtureDeployment, terms: { ...terms, expiry: terms.expiry + 1 }, pseudonym, proof },
      { ...fixtureDeployment, terms: { ...terms, scopesMask: 0b111 }, pseudonym, proof },
      { ...fixtureDeployment, terms: { ...terms, threshold: 1 }, pseudonym, proof },
      { ...fixtureDeployment, terms: { ...terms, grantee: '0x90F79bf6EB2c4f870365E785982E1f101E93b906' as const }, pseudonym, proof },
      { ...redeployDeployment, terms, pseudonym, proof },
      { ...fixtureDeployment, chainId: 1, terms, pseudonym, proof },
      { ...fixtureDeployment, terms, pseudonym: pseudonym + 1n, proof },
      { ...fixtureDeployment, terms, pseudonym, proof: proof.map((word, i) => (i === 6 ? word + 1n : word)) },
    ]
    for (const parameters of cases) {
      const verdict = await verifyConsentProof(vkey, parameters)
      expect(verdict.ok).toBe(false)
      expect(!verdict.ok && verdict.reason).toMatch(/proof does not fit its terms/)
    }
    expect(await verifyConsentProof(vkey, { ...fixtureDeployment, terms, pseudonym, proof: proof.slice(1) })).toEqual({ ok: false, reason: 'Its proof is malformed.' })
    expect(await verifyConsentProof(vkey, { ...fixtureDeployment, terms: { ...terms, scopesMask: 0 }, pseudonym, proof })).toMatchObject({ ok: false, reason: expect.stringMatching(/terms are not valid/) })
  })
})
