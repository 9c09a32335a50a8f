/**
 * Real consent proofs for the Consent contract's Foundry tests: writes
 * test/fixtures/zk/consent-*.json and, from them, contracts/test/fixtures/ConsentFixtures.sol.
 * Groth16 proofs are randomised, so a proof is made again only when its fixture is
 * missing, does not verify against the current key, or is for other public signals.
 * The TypeScript values recorded here (grant and revocation hashes, Poseidon) are what the
 * Foundry parity tests compare the contract and poseidon-solidity against.
 *
 *   npx tsx scripts/buildConsentFixtures.ts [--check]
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CID } from 'multiformats/cid'
import { bytesToHex, type Address, type Hex } from 'viem'
import type { VerificationKey } from 'snarkjs'
import { proxiesCommitment } from '../src/chain/consent/proxiesCommitment.ts'
import { consentInputs } from '../src/zk/consentInputs.ts'
import { addressToField, GRANT_DOMAIN, grantParamsHash, revokeParamsHash, REVOKE_DOMAIN } from '../src/zk/grantHash.ts'
import { poseidon } from '../src/zk/poseidon.ts'
import { consentDomain, consentPseudonym } from '../src/zk/consentPseudonym.ts'
import { proveInNode } from '../src/zk/proveInNode.ts'
import { toCircuitInput, type Groth16ProofResult } from '../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../src/zk/toSolidityProof.ts'
import { verifyProof } from '../src/zk/verifyProof.ts'
import { fixtureDeployment, fixtureGrant, fixtureGrantee, fixtureIdentitySecret, otherIdentitySecret, redeployDeployment } from '../test/fixtures/zk/consentFixtures.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const fixtureDir = path.join(root, 'test/fixtures/zk')
const solidityPath = path.join(root, 'contracts/test/fixtures/ConsentFixtures.sol')

type ProofFixture = {
  generatedBy: string
  description: string
  publicSignals: string[]
  proof: Groth16ProofResult['proof']
  /** uint256[8] as Consent takes it (toSolidityProof().packed), decimal strings. */
  packed: string[]
}

const decimal = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)

async function proofFixture(
  name: string,
  description: string,
  input: { identitySecret: bigint; grantee: Address; paramsHash: bigint; chainId: number; consent: Address; grantIndex: number },
  vkey: VerificationKey,
  check: boolean,
): Promise<ProofFixture> {
  const file = path.join(fixtureDir, `consent-${name}.json`)
  const expectedGrantee = addressToField(input.grantee).toString()
  if (existsSync(file)) {
    const existing = JSON.parse(readFileSync(file, 'utf8')) as ProofFixture
    const sameStatement =
      existing.publicSignals.length === 4 &&
      existing.publicSignals[1] === expectedGrantee &&
      existing.publicSignals[2] === input.paramsHash.toString() &&
      existing.publicSignals[3] === consentDomain(input).toString()
    if (sameStatement && (await verifyProof(vkey, existing))) return existing
  }
  if (check) throw new Error(`${path.relative(root, file)} is missing or stale: run npx tsx scripts/buildConsentFixtures.ts`)
  const result = await proveInNode({ circuit: 'consent', input: toCircuitInput(consentInputs(input)), artifactsDir: path.join(root, 'public/zk') })
  const fixture: ProofFixture = {
    generatedBy: 'scripts/buildConsentFixtures.ts',
    description,
    publicSignals: result.publicSignals,
    proof: result.proof,
    packed: toSolidityProof(result.proof).packed.map(String),
  }
  mkdirSync(fixtureDir, { recursive: true })
  writeFileSync(file, `${JSON.stringify(fixture, decimal, 2)}\n`)
  return fixture
}

export async function buildConsentFixtures(check = false): Promise<void> {
  const vkey = JSON.parse(readFileSync(path.join(root, 'public/zk/consent.vkey.json'), 'utf8')) as VerificationKey
  const proxiesHash = proxiesCommitment({ proxies: fixtureGrant.proxies, salt: fixtureGrant.salt })
  const params = { ...fixtureGrant, proxiesHash }
  const paramsHash = await grantParamsHash({ ...params, ...fixtureDeployment })
  const revokeHash = await revokeParamsHash({ ...fixtureDeployment, grantId: 1n })
  const redeployHash = await grantParamsHash({ ...params, ...redeployDeployment })
  const redeployRevokeHash = await revokeParamsHash({ ...redeployDeployment, grantId: 1n })
  const grant = await proofFixture('grant', 'Grant of allergies+medications to anvil #1 until 1900000000, 2-of-2 proxies, on Consent at CONSENT, chain 31337', { identitySecret: fixtureIdentitySecret, grantee: fixtureGrantee, paramsHash, ...fixtureDeployment, grantIndex: 0 }, vkey, check)
  const redeployGrant = await proofFixture('grant-redeploy', 'The same grant, for the Consent at REDEPLOY_CONSENT on the same chain', { identitySecret: fixtureIdentitySecret, grantee: fixtureGrantee, paramsHash: redeployHash, ...redeployDeployment, grantIndex: 0 }, vkey, check)
  const redeployRevoke = await proofFixture('revoke-redeploy', 'Revocation of grant 1 of the Consent at REDEPLOY_CONSENT', { identitySecret: fixtureIdentitySecret, grantee: fixtureGrantee, paramsHash: redeployRevokeHash, ...redeployDeployment, grantIndex: 0 }, vkey, check)
  const revoke = await proofFixture('revoke', 'Revocation of grant 1 by the patient who made it', { identitySecret: fixtureIdentitySecret, grantee: fixtureGrantee, paramsHash: revokeHash, ...fixtureDeployment, grantIndex: 0 }, vkey, check)
  const revokeOther = await proofFixture('revoke-other', 'Revocation of grant 1 by another patient (other pseudonym)', { identitySecret: otherIdentitySecret, grantee: fixtureGrantee, paramsHash: revokeHash, ...fixtureDeployment, grantIndex: 0 }, vkey, check)

  const bundleCidBytes = bytesToHex(CID.parse(fixtureGrant.bundleCid).bytes)
  // The pseudonym is the circuit's Poseidon: TypeScript must give the circuit's output.
  const pseudonym = await consentPseudonym({ ...fixtureDeployment, identitySecret: fixtureIdentitySecret, grantee: fixtureGrantee, grantIndex: 0 })
  if (grant.publicSignals[0] !== pseudonym.toString() || revoke.publicSignals[0] !== pseudonym.toString()) {
    throw new Error(`the circuit's pseudonym ${grant.publicSignals[0]} is not TypeScript's Poseidon ${pseudonym}`)
  }
  // Arbitrary inputs near the field's edge as well as small ones.
  const r = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
  const t3 = { inputs: [r - 1n, 7n], output: await poseidon([r - 1n, 7n]) }
  const solidity = renderSolidity({ proxiesHash, paramsHash, revokeHash, redeployHash, pseudonym, bundleCidBytes, grant, revoke, revokeOther, redeployGrant, redeployRevoke, t3 })
  if (check) {
    if (!existsSync(solidityPath) || readFileSync(solidityPath, 'utf8') !== solidity) {
      throw new Error('contracts/test/fixtures/ConsentFixtures.sol is stale: run npx tsx scripts/buildConsentFixtures.ts')
    }
    return
  }
  mkdirSync(path.dirname(solidityPath), { recursive: true })
  writeFileSync(solidityPath, solidity)
}

type RenderInput = {
  proxiesHash: bigint
  paramsHash: bigint
  revokeHash: bigint
  redeployHash: bigint
  /** Poseidon(fixtureIdentitySecret, grantee) computed in TypeScript. */
  pseudonym: bigint
  bundleCidBytes: Hex
  grant: ProofFixture
  revoke: ProofFixture
  revokeOther: ProofFixture
  redeployGrant: ProofFixture
  redeployRevoke: ProofFixture
  t3: { inputs: bigint[]; output: bigint }
}

function renderSolidity(f: RenderInput): string {
  const proof = (name: string, fixture: ProofFixture) =>
    `    function ${name}() internal pure returns (uint256[8] memory) {\n` +
    `        return [\n${fixture.packed.map((v) => `            uint256(${v})`).join(',\n')}\n        ];\n    }\n`
  const parity = (name: string, { inputs, output }: { inputs: bigint[]; output: bigint }) =>
    `    function ${name}Inputs() internal pure returns (uint256[${inputs.length}] memory) {\n` +
    `        return [${inputs.map((v) => `uint256(${v})`).join(', ')}];\n    }\n\n` +
    `    uint256 internal constant ${name.toUpperCase()}_OUTPUT = ${output};\n`
  return `// SPDX-License-Identifier: GPL-3.0-or-later
// Generated by scripts/buildConsentFixtures.ts from test/fixtures/zk/consent-*.json. Do not edit.
pragma solidity ^0.8.24;

import {Consent} from "../../Consent.sol";

/// @notice Real consent proofs (circuits/consent.circom) and the TypeScript values they are bound to.
library ConsentFixtures {
    /// @dev The deployment every proof below is bound to (the hashes include block.chainid and
    /// address(this)): tests put Consent at CONSENT, on chain CHAIN_ID.
    uint256 internal constant CHAIN_ID = ${fixtureDeployment.chainId};
    address internal constant CONSENT = ${fixtureDeployment.consent};
    /// @dev A second Consent on the same chain; redeployGrantProof and redeployRevokeProof are for it.
    address internal constant REDEPLOY_CONSENT = ${redeployDeployment.consent};
    address internal constant GRANTEE = ${fixtureGrantee};
    uint32 internal constant SCOPES_MASK = ${fixtureGrant.scopesMask};
    uint64 internal constant EXPIRY = ${fixtureGrant.expiry};
    uint256 internal constant PROXIES_HASH = ${f.proxiesHash};
    /// @dev proxiesCommitment({ proxies: [PROXY_0, PROXY_1], salt: PROXIES_SALT }).
    address internal constant PROXY_0 = ${fixtureGrant.proxies[0]};
    address internal constant PROXY_1 = ${fixtureGrant.proxies[1]};
    bytes32 internal constant PROXIES_SALT = ${fixtureGrant.salt};
    uint8 internal constant THRESHOLD = ${fixtureGrant.threshold};
    /// @dev ${fixtureGrant.bundleCid}
    bytes internal constant BUNDLE_CID = hex"${f.bundleCidBytes.slice(2)}";

    /// @dev grantParamsHash as src/zk/grantHash.ts computes it (the grant proof's third public signal).
    uint256 internal constant PARAMS_HASH = ${f.paramsHash};
    /// @dev The same grant's hash for REDEPLOY_CONSENT.
    uint256 internal constant REDEPLOY_PARAMS_HASH = ${f.redeployHash};
    /// @dev revokeParamsHash({ chainId: CHAIN_ID, consent: CONSENT, grantId: 1 }).
    uint256 internal constant REVOKE_HASH_1 = ${f.revokeHash};
    uint256 internal constant GRANT_DOMAIN = ${GRANT_DOMAIN};
    uint256 internal constant REVOKE_DOMAIN = ${REVOKE_DOMAIN};

    /// @dev A test patient's secret: PSEUDONYM is the circuit's Poseidon(IDENTITY_SECRET, GRANTEE, domain, 0) on CONSENT,
    /// REDEPLOY_PSEUDONYM the same patient's on REDEPLOY_CONSENT (another domain),
    /// TS_PSEUDONYM the same Poseidon in TypeScript (src/zk/poseidon.ts).
    uint256 internal constant IDENTITY_SECRET = ${fixtureIdentitySecret};
    uint256 internal constant PSEUDONYM = ${f.grant.publicSignals[0]};
    uint256 internal constant TS_PSEUDONYM = ${f.pseudonym};
    uint256 internal constant OTHER_PSEUDONYM = ${f.revokeOther.publicSignals[0]};
    uint256 internal constant REDEPLOY_PSEUDONYM = ${f.redeployGrant.publicSignals[0]};

    function grantParams() internal pure returns (Consent.GrantParams memory) {
        return Consent.GrantParams({
            grantee: GRANTEE,
            scopesMask: SCOPES_MASK,
            expiry: EXPIRY,
            proxiesHash: PROXIES_HASH,
            threshold: THRESHOLD,
            bundleCid: BUNDLE_CID
        });
    }

${proof('grantProof', f.grant)}
${proof('revokeProof', f.revoke)}
    /// @dev A valid proof for grant 1's revocation hash, but by another patient.
${proof('otherRevokeProof', f.revokeOther)}
    /// @dev The fixture grant and its revocation, proven for the Consent at REDEPLOY_CONSENT.
${proof('redeployGrantProof', f.redeployGrant)}
${proof('redeployRevokeProof', f.redeployRevoke)}
${parity('t3', f.t3)}}
`
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildConsentFixtures(process.argv.includes('--check')).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
