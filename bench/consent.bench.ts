// On a real anvil with the real deployment, two care-node proxies following the Consent
// contract, and a patient who grants and revokes through the app's flows (src/flows/consent)
// with real Groth16 proofs made in Node (bench/support/consentStack.ts):
// consent.grant_gas: gas of one grant transaction (the doctor submits a patient's
//   zero-knowledge consent: Groth16 verification, the keccak256 grant hash, three new
//   storage slots). The grant measured is not the contract's first, whose counter write
//   costs an extra ~17k once. Target ≤ 350,000 (472,286 with Poseidon hashes and five
//   slots; 316,420 since).
// consent.revoke_with_rotation_ms: the patient revokes one grant through the app's flow
//   (src/flows/consent/revokeGrant.ts): the revocation proof and transaction, the scope's
//   move to a new key epoch, a new bound bundle for the one other active grant on that
//   scope (with its reissue proof and transaction), and the new manifests and bundle pinned
//   on the care nodes. Median of 5, each round on fresh grants.
import { anvilAccount } from '../src/chain/deploy/deploySalus.ts'
import { median, type Benchmark } from './support/benchmark.ts'
import { benchPatient, doctorReceivingKey, startConsentStack } from './support/consentStack.ts'

async function grantGas(): Promise<number> {
  const stack = await startConsentStack()
  const patient = await benchPatient(stack, anvilAccount(8).privateKey)
  try {
    await patient.addRecord('Penicillin')
    const doctor = anvilAccount(2)
    const receivingKey = (await doctorReceivingKey(doctor.privateKey)).publicKey()
    await patient.grant({ grantee: doctor.account.address, receivingKey, scopes: ['allergies'], days: 1 })
    const { gasUsed } = await patient.grant({ grantee: doctor.account.address, receivingKey, scopes: ['allergies'], days: 2 })
    return Number(gasUsed)
  } finally {
    await patient.stop()
    await stack.stop()
  }
}

async function revokeWithRotationMs(): Promise<number> {
  const stack = await startConsentStack()
  const patient = await benchPatient(stack, anvilAccount(8).privateKey)
  try {
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
    console.log(`  (rounds: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`)
    return median(times)
  } finally {
    await patient.stop()
    await stack.stop()
  }
}

const benchmarks: Benchmark[] = [
  { name: 'consent.grant_gas', about: 'gas of a second grant transaction made by the app\'s consent flow, on a real anvil', unit: 'gas', better: 'lower', target: 350_000, run: grantGas },
  { name: 'consent.revoke_with_rotation_ms', about: 'one revocation with key rotation and one reissue through the app\'s flow, in Node on anvil and two care nodes, median of 5', unit: 'ms', better: 'lower', run: revokeWithRotationMs },
]

export default benchmarks
