// consent.grant_gas: gas of one grant transaction (the doctor submits a patient's
// zero-knowledge consent: Groth16 verification, the keccak256 grant hash, three new
// storage slots) on a real anvil with the real deployment and a real proof. The grant
// measured is not the contract's first, whose counter write costs an extra ~17k once.
// Target ≤ 350,000 (472,286 with Poseidon hashes and five slots; 316,420 since).
import { anvilAccount, deploySalus } from '../scripts/deploy.ts'
import { submitGrant } from '../src/chain/consent/submitGrant.ts'
import { clientsFor, identitySecretOf, prepareGrant, startAnvil } from '../test/integration/consentSupport.ts'

async function grantGas(): Promise<number> {
  const anvil = await startAnvil()
  try {
    const config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey })
    const consent = config.contracts.Consent!.address
    const doctor = clientsFor(anvil.rpcUrl, anvilAccount(2).privateKey)
    const identitySecret = await identitySecretOf(anvilAccount(8).privateKey)
    const proxies = [anvilAccount(5).account.address, anvilAccount(6).account.address, anvilAccount(7).account.address]
    let gasUsed = 0n
    for (let i = 0; i < 2; i++) {
      const prepared = await prepareGrant({ consent, identitySecret, grantee: doctor.account.address, scopesMask: 0b110, expiry: 2_000_000_000n + BigInt(i), proxies, threshold: 2 })
      ;({ gasUsed } = await submitGrant(doctor.walletClient, { consent, ...prepared }))
    }
    return Number(gasUsed)
  } finally {
    anvil.stop()
  }
}

const benchmarks: { name: string; unit: string; better: 'lower' | 'higher'; target?: number; run: () => Promise<number> }[] = [{ name: 'consent.grant_gas', unit: 'gas', better: 'lower', target: 350_000, run: grantGas }]

// consent.revoke_with_rotation_ms: the patient revokes one grant through the app's flow
// (src/flows/consent/revokeGrant.ts) on a real anvil with two real care-node proxies:
// the revocation proof and transaction, the scope's move to a new key epoch, a new
// bound bundle for the one other active grant on that scope (with its reissue proof and
// transaction), and the new manifests and bundle pinned on the care nodes. Median of 5,
// each round on fresh grants; proofs are real Groth16 proofs made in Node.
async function revokeWithRotationMs(): Promise<number> {
  const { startConsentStack, doctorReceivingKey } = await import('../test/attacks/support/consentStack.ts')
  const { patientGrants } = await import('../test/attacks/support/patientSide.ts')
  const stack = await startConsentStack()
  try {
    const patient = await patientGrants(stack, anvilAccount(8).privateKey, 4)
    await patient.addRecord('Penicillin')
    const doctors = [anvilAccount(2), anvilAccount(3)]
    const keys = await Promise.all(doctors.map((d) => doctorReceivingKey(d.privateKey)))
    const times: number[] = []
    for (let round = 0; round < 5; round++) {
      const [revoked] = await Promise.all(doctors.map((d, i) => patient.grant({ grantee: d.account.address, receivingKey: keys[i]!.publicKey(), scopes: ['allergies'], days: 1 })))
      const started = performance.now()
      const result = await patient.revoke(revoked!.grantId)
      times.push(performance.now() - started)
      if (result.reissued.length === 0) throw new Error('no grant was reissued')
    }
    times.sort((a, b) => a - b)
    console.log(`  (rounds: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`)
    return times[2]!
  } finally {
    await stack.stop()
  }
}

benchmarks.push({ name: 'consent.revoke_with_rotation_ms', unit: 'ms', better: 'lower', run: revokeWithRotationMs })

export default benchmarks
