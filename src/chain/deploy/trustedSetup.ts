// SPDX-License-Identifier: GPL-3.0-or-later
// Which trusted setup the circuit keys come from, checked before a deployment.
// The committed keys (public/zk/*.zkey) are built on the development powers of tau
// (circuits/ptau/salus_dev_14.ptau) with public beacons: anyone knows their toxic waste
// and can forge consent and eligibility proofs. That is fine on a local chain and
// nowhere else, so deploySalus (./deploySalus.ts) refuses any other chain unless it is given the
// record of a real ceremony (circuits/README.md, "Phase-2 ceremony") that describes
// exactly the keys and verifiers it is about to deploy.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { zKey, type Logger } from 'snarkjs'
import { ConsentVerifier } from '../generated/ConsentVerifier.ts'
import { EligibilityVerifier } from '../generated/EligibilityVerifier.ts'
import { SalusError } from '../../errors/salusError.ts'
import { eligibilityDepths } from '../../zk/circuits.ts'

/** anvil and Hardhat (31337), Ganache and geth --dev (1337). */
export const localChainIds: readonly number[] = [31337, 1337]
/** sha256 of circuits/ptau/salus_dev_14.ptau (scripts/makePtau.ts; deterministic). */
export const developmentPtauSha256 = 'de54e349635beb3d8372b88a56474947220b988bfd6ef43695d294276ae886bf'
/** Each built circuit (eligibility once per depth) and the verifier that must carry its key. */
const circuits: Record<string, { bytecode: string }> = {
  consent: ConsentVerifier,
  ...Object.fromEntries(
    Array.from({ length: eligibilityDepths.max - eligibilityDepths.min + 1 }, (_, i) => [`eligibility-${eligibilityDepths.min + i}`, EligibilityVerifier]),
  ),
}
type Circuit = string

/**
 * What a ceremony leaves behind (circuits/README.md writes it as circuits/ceremony.json):
 * the phase-1 file it started from and, per circuit, the final zkey's sha256 and the
 * phase-2 contributions that made it (as `snarkjs zkey verify` lists them).
 */
export type CeremonyRecord = {
  ptau: { file: string; sha256: string; source: string }
  circuits: Record<Circuit, { zkey: { file: string; sha256: string }; contributions: { name: string; hash: string }[]; beacon?: { hash: string; iterations: number } }>
}

export class TrustedSetupError extends SalusError {
  override name = 'TrustedSetupError'
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
const isHex64 = (value: unknown) => typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)

/** Reads and shape-checks a ceremony record; a malformed one is refused with what is wrong. */
export async function readCeremonyRecord(path: string): Promise<CeremonyRecord> {
  let record: CeremonyRecord
  try {
    record = JSON.parse(await readFile(path, 'utf8')) as CeremonyRecord
  } catch (cause) {
    throw new TrustedSetupError(`The ceremony record ${path} cannot be read as JSON. Give the file circuits/README.md has you write after the ceremony.`, { cause })
  }
  const problems: string[] = []
  if (!isHex64(record?.ptau?.sha256) || typeof record.ptau.file !== 'string' || typeof record.ptau.source !== 'string') {
    problems.push('ptau needs file, sha256 (64 lowercase hex digits) and source (where the phase-1 file was published)')
  }
  for (const name of Object.keys(circuits) as Circuit[]) {
    const entry = record?.circuits?.[name]
    if (!entry || typeof entry.zkey?.file !== 'string' || !isHex64(entry.zkey?.sha256)) problems.push(`circuits.${name}.zkey needs file and sha256`)
    else if (!Array.isArray(entry.contributions) || entry.contributions.length === 0 || !entry.contributions.every((c) => typeof c?.name === 'string' && typeof c?.hash === 'string' && c.name && c.hash)) {
      problems.push(`circuits.${name}.contributions must list at least one contribution (name and hash)`)
    }
  }
  if (problems.length > 0) throw new TrustedSetupError(`The ceremony record ${path} is incomplete: ${problems.join('; ')}.`)
  return record
}

export type CheckTrustedSetupParameters = {
  chainId: number
  /** Path of the ceremony record (--trusted-setup); none means "the development keys". */
  ceremony?: string
  /** Where the keys and manifest are (public/zk). */
  zkDir?: string
}

/**
 * Throws TrustedSetupError unless deploying to `chainId` is safe with the circuit keys in
 * `zkDir`: a local chain always is; any other needs a ceremony record naming a powers of
 * tau that is not the development one, the very zkeys in `zkDir` (as the manifest lists
 * them), verification keys exported from those zkeys, and verifier bytecode that carries
 * those verification keys.
 */
export async function checkTrustedSetup({ chainId, ceremony, zkDir = join('public', 'zk') }: CheckTrustedSetupParameters): Promise<void> {
  if (localChainIds.includes(chainId)) return
  const manifest = JSON.parse(await readFile(join(zkDir, 'manifest.json'), 'utf8')) as {
    ptau: { file: string; sha256: string }
    circuits: Record<string, { zkey: string }>
  }
  const fromDevelopmentPtau = manifest.ptau.sha256 === developmentPtauSha256
  if (!ceremony) {
    throw new TrustedSetupError(
      fromDevelopmentPtau
        ? `Refusing to deploy to chain ${chainId}: the circuit keys in ${zkDir} come from the development powers of tau (${manifest.ptau.file}), whose secret is public, so anyone could forge consent and eligibility proofs. Run the phase-2 ceremony described in circuits/README.md and deploy with --trusted-setup <ceremony record>, or deploy to a local chain (${localChainIds.join(' or ')}).`
        : `Refusing to deploy to chain ${chainId} without the record of the ceremony that made the circuit keys in ${zkDir}. Deploy with --trusted-setup <ceremony record> (circuits/README.md).`,
    )
  }
  const record = await readCeremonyRecord(ceremony)
  if (record.ptau.sha256 === developmentPtauSha256) {
    throw new TrustedSetupError(`The ceremony record ${ceremony} names the development powers of tau, whose secret is public. Start the ceremony from a published multi-party powers of tau (circuits/README.md).`)
  }
  if (fromDevelopmentPtau || manifest.ptau.sha256 !== record.ptau.sha256) {
    throw new TrustedSetupError(
      `The circuit keys in ${zkDir} were built from ${manifest.ptau.file} (${manifest.ptau.sha256.slice(0, 12)}…), not from the ceremony's ${record.ptau.file} (${record.ptau.sha256.slice(0, 12)}…). Rebuild them with npx tsx scripts/buildCircuits.ts --ceremony ${ceremony}.`,
    )
  }
  for (const name of Object.keys(circuits) as Circuit[]) {
    const zkeyPath = join(zkDir, `${name}.zkey`)
    const actual = sha256(await readFile(zkeyPath))
    if (actual !== record.circuits[name]!.zkey.sha256 || actual !== manifest.circuits[name]?.zkey) {
      throw new TrustedSetupError(`${zkeyPath} is not the ${name} key the ceremony record ${ceremony} describes. Copy the ceremony's final key there and rebuild with npx tsx scripts/buildCircuits.ts --ceremony ${ceremony}.`)
    }
    const vkey = (await zKey.exportVerificationKey(zkeyPath, quiet)) as Record<string, unknown>
    const committed = JSON.parse(await readFile(join(zkDir, `${name}.vkey.json`), 'utf8')) as unknown
    if (JSON.stringify(committed) !== JSON.stringify(vkey)) {
      throw new TrustedSetupError(`${zkDir}/${name}.vkey.json is not the verification key of ${zkeyPath}. Rebuild with npx tsx scripts/buildCircuits.ts --ceremony ${ceremony}.`)
    }
    const missing = verifierMissesKey(circuits[name]!.bytecode, vkey)
    if (missing > 0) {
      throw new TrustedSetupError(
        `The ${name} verifier this deployment would publish does not carry the ceremony's verification key (${missing} constants differ). Rebuild with npx tsx scripts/buildCircuits.ts --ceremony ${ceremony}, then npx tsx scripts/generateContracts.ts.`,
      )
    }
  }
}

/** How many of the verification key's curve coordinates are absent from the verifier's bytecode (snarkjs's Groth16 verifier pushes each one as a constant). */
function verifierMissesKey(bytecode: string, vkey: Record<string, unknown>): number {
  const point = (p: unknown) => (p as string[]).slice(0, 2)
  const point2 = (p: unknown) => (p as string[][]).slice(0, 2).flat()
  const numbers = [
    ...point(vkey.vk_alpha_1),
    ...point2(vkey.vk_beta_2),
    ...point2(vkey.vk_gamma_2),
    ...point2(vkey.vk_delta_2),
    ...(vkey.IC as unknown[]).flatMap(point),
  ]
  const code = bytecode.toLowerCase()
  return numbers.filter((n) => {
    const hex = BigInt(n).toString(16)
    return !code.includes(hex.length % 2 ? `0${hex}` : hex)
  }).length
}
