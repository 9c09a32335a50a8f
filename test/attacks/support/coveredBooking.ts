// Covered bookings on a stack deployed by scripts/deploy.ts (seeded: 2 is a doctor, 7 an
// insurer, 0 the registrar that is the local faucet), through the app's own flow
// (bookWithInsurance): a one-off sender funded by the faucet, a real eligibility proof.
import { parseEther, type Address, type Hash } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { anvilAccount } from '../../../src/chain/deploy/deploySalus.ts'
import { publishSlot } from '../../../src/chain/appointments/publishSlot.ts'
import { readSlot } from '../../../src/chain/appointments/readSlot.ts'
import { createSalusClients, type SalusPublicClient } from '../../../src/chain/createSalusClients.ts'
import { createPlan } from '../../../src/chain/insurance/createPlan.ts'
import { enrolMember } from '../../../src/chain/insurance/enrolMember.ts'
import { fundPool } from '../../../src/chain/insurance/fundPool.ts'
import { listMemberLeaves } from '../../../src/chain/insurance/listMemberLeaves.ts'
import type { NetworkConfig } from '../../../src/chain/networkConfig.ts'
import { bookWithInsurance } from '../../../src/flows/appointments/bookWithInsurance.ts'
import type { CoveredBookingKey } from '../../../src/flows/appointments/coveredBookingKeys.ts'
import type { MemberCredential } from '../../../src/flows/appointments/findCredentials.ts'
import type { CoveredBookingContext } from '../../../src/flows/appointments/coveredBookingContext.ts'
import { readPlans } from '../../../src/chain/insurance/readPlans.ts'
import { credentialLeaf } from '../../../src/zk/credentialLeaf.ts'
import { identityCommitment } from '../../../src/zk/identity.ts'
import { nodeProverWorker } from './nodeProverWorker.ts'

export const doctorKey = anvilAccount(2).privateKey
export const insurerKey = anvilAccount(7).privateKey
export const fee = parseEther('0.05')
export const periodLength = 30 * 86_400
export const validUntil = 4_000_000_000n

const contracts = (config: NetworkConfig) => ({ insurance: config.contracts.Insurance!.address, appointments: config.contracts.Appointments!.address })

/** A plan of `visitsPerPeriod` covered visits, every member in `identitySecrets` enrolled (plus a stranger), the pool funded. */
export async function coveredPlan(config: NetworkConfig, identitySecrets: bigint[], visitsPerPeriod: number): Promise<bigint> {
  const insurer = createSalusClients(config, privateKeyToAccount(insurerKey)).walletClient
  const { insurance } = contracts(config)
  const { planId } = await createPlan(insurer, { insurance, name: 'Privacy plan', feeCovered: fee, visitsPerPeriod, periodLength })
  await enrolMember(insurer, { insurance, leaf: 4242n })
  for (const secret of identitySecrets) {
    await enrolMember(insurer, { insurance, leaf: await credentialLeaf({ identityCommitment: await identityCommitment(secret), planId, validUntil }) })
  }
  await fundPool(insurer, { insurance, insurer: insurer.account.address, amount: parseEther('1') })
  return planId
}

/** `count` slots of the doctor an hour apart, all in one plan period, a week or more ahead. */
export async function slotsInOnePeriod(config: NetworkConfig, count: number): Promise<bigint[]> {
  const doctor = createSalusClients(config, privateKeyToAccount(doctorKey))
  const now = Number((await doctor.publicClient.getBlock()).timestamp)
  let start = now + 7 * 86_400
  const period = Math.floor(start / periodLength)
  if (Math.floor((start + count * 3600) / periodLength) !== period) start += periodLength - (start % periodLength) + 3600
  const ids: bigint[] = []
  for (let i = 0; i < count; i++) ids.push((await publishSlot(doctor.walletClient, { ...contracts(config), start: start + i * 3600, duration: 1800, fee })).slotId)
  return ids
}

/** What the booking flow needs of the network, as the app passes it, with `publicClient` as its RPC (a recording one, in the RPC attack). */
export function bookingContextFor(config: NetworkConfig, publicClient: SalusPublicClient = createSalusClients(config).publicClient): CoveredBookingContext {
  const { Appointments, Insurance } = config.contracts
  return {
    config,
    chainId: config.chainId,
    ...contracts(config),
    fromBlock: BigInt(Math.min(Appointments!.deployBlock, Insurance!.deployBlock)),
    publicClient,
  }
}

/** The member's credential as the app finds it: the plan read from the chain, the leaf among the insurer's leaves. */
export async function credentialOf(context: CoveredBookingContext, identitySecret: bigint, planId: bigint): Promise<MemberCredential> {
  const plan = (await readPlans(context.publicClient, { insurance: context.insurance, fromBlock: context.fromBlock })).find((p) => p.planId === planId)!
  const leaves = await listMemberLeaves(context.publicClient, { insurance: context.insurance, insurer: plan.insurer, fromBlock: context.fromBlock })
  const leaf = await credentialLeaf({ identityCommitment: await identityCommitment(identitySecret), planId, validUntil })
  return { plan, validUntil, leaf, index: leaves.indexOf(leaf) }
}

/** Books `slotId` through bookWithInsurance; returns its transaction, the one-off key and the steps it reported. */
export async function bookCoveredVisit(
  context: CoveredBookingContext,
  p: { identitySecret: bigint; credential: MemberCredential; slotId: bigint; onStep?: (text: string) => void },
): Promise<{ txHash: Hash; key: CoveredBookingKey; sender: Address }> {
  const slot = await readSlot(context.publicClient, { appointments: context.appointments, slotId: p.slotId })
  let key: CoveredBookingKey | undefined
  const { txHash } = await bookWithInsurance({
    context,
    identitySecret: p.identitySecret,
    credential: p.credential,
    slot,
    worker: nodeProverWorker(),
    onStep: (text) => p.onStep?.(text),
    remember: (k) => (key = k),
  })
  return { txHash, key: key!, sender: key!.address }
}
