import type { Address, Hash } from 'viem'
import { deployContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { Appointments } from '../generated/Appointments.ts'
import { Insurance } from '../generated/Insurance.ts'
import { SparsePoseidonT3 } from '../generated/SparsePoseidonT3.ts'
import { UnexpectedChainDataError } from '../chainErrors.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'

export type DeployPaymentsParameters = {
  registry: Address
  /** The eligibility Groth16 verifier (contracts/generated/EligibilityVerifier.sol). */
  eligibilityVerifier: Address
}
export type DeployPaymentsReturnType = {
  insurance: { address: Address; deployBlock: bigint }
  appointments: { address: Address; deployBlock: bigint }
  /** Insurance's member-tree hasher (contracts/generated/SparsePoseidonT3.sol). */
  poseidonT3: Address
}

/**
 * Deploys the member-tree hasher, Insurance and Appointments against an existing
 * Registry and verifier, and binds Insurance and Appointments to each other (Insurance
 * pays out only to this Appointments).
 */
export async function deployPayments(
  client: PaymentsWalletClient,
  { registry, eligibilityVerifier }: DeployPaymentsParameters,
): Promise<DeployPaymentsReturnType> {
  const { address: poseidonT3 } = await mined(
    client,
    await deployContract(client, {
      abi: SparsePoseidonT3.abi,
      bytecode: SparsePoseidonT3.bytecode,
      chain: client.chain,
      account: client.account,
    }),
  )
  const insurance = await mined(
    client,
    await deployContract(client, {
      abi: Insurance.abi,
      bytecode: Insurance.bytecode,
      args: [registry, eligibilityVerifier, poseidonT3],
      chain: client.chain,
      account: client.account,
    }),
  )
  const appointments = await mined(
    client,
    await deployContract(client, {
      abi: Appointments.abi,
      bytecode: Appointments.bytecode,
      args: [registry, insurance.address],
      chain: client.chain,
      account: client.account,
    }),
  )
  await mined(
    client,
    await writeContract(client, {
      address: insurance.address,
      abi: Insurance.abi,
      functionName: 'bindAppointments',
      args: [appointments.address],
      chain: client.chain,
      account: client.account,
    }),
  )
  return { insurance, appointments, poseidonT3 }
}

async function mined(client: PaymentsWalletClient, hash: Hash): Promise<{ address: Address; deployBlock: bigint }> {
  const receipt = await waitForTransactionReceipt(client, { hash })
  if (receipt.status !== 'success') throw new UnexpectedChainDataError(`transaction ${hash} reverted`)
  return { address: receipt.contractAddress ?? ('0x' as Address), deployBlock: receipt.blockNumber }
}
