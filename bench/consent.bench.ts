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

export default [{ name: 'consent.grant_gas', unit: 'gas', better: 'lower', run: grantGas }] as const
