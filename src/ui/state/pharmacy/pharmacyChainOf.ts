import { parseEventLogs, type Address } from 'viem'
import { getBlockNumber, getContractEvents, readContract } from 'viem/actions'
import { toChainError, UnexpectedChainDataError } from '../../../chain/chainErrors.ts'
import { Pharmacy } from '../../../chain/generated/Pharmacy.ts'
import { sendTransaction } from '../../../chain/sendTransaction.ts'
import { prescriptionMessage } from '../../../core/pharmacy/prescription.ts'
import type { ChainInvoice, PharmacyChain } from '../../../flows/pharmacy/pharmacyChain.ts'
import { PharmacyUnavailableError } from '../../../flows/pharmacy/pharmacyFlowErrors.ts'
import type { ConsentContext } from '../consent/consentContext.ts'

const statuses: ChainInvoice['status'][] = ['none', 'open', 'paid', 'paid-covered']

/**
 * The pharmacy flows' chain, bound to the signed-in account and the network's Pharmacy
 * contract (contracts/Pharmacy.sol, its generated ABI). Throws PharmacyUnavailableError when
 * the network has none.
 */
export function pharmacyChainOf(context: Pick<ConsentContext, 'config' | 'publicClient' | 'walletClient'>): PharmacyChain {
  const deployment = context.config.contracts.Pharmacy
  if (!deployment) throw new PharmacyUnavailableError('This network has no pharmacy contract, so prescriptions cannot be dispensed or paid here. Start the local network (npm start) and reload.')
  const address = deployment.address
  const { publicClient, walletClient } = context
  const fromBlock = BigInt(deployment.deployBlock)
  const read = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (error) {
      throw toChainError(error, publicClient)
    }
  }
  return {
    chainId: context.config.chainId,
    pharmacy: address,
    registry: context.config.contracts.Registry.address,
    registryFromBlock: BigInt(context.config.contracts.Registry.deployBlock),
    client: publicClient,
    dispenseCount: (rxHash) => read(async () => Number(await readContract(publicClient, { address, abi: Pharmacy.abi, functionName: 'dispenseCount', args: [rxHash] }))),
    readInvoice: (invoiceId) =>
      read(async () => {
        const found = await readContract(publicClient, { address, abi: Pharmacy.abi, functionName: 'invoice', args: [invoiceId] })
        return { pharmacist: found.pharmacist, amount: found.amount, status: statuses[found.status] ?? 'none' }
      }),
    async dispense(token, price) {
      const sent = await sendTransaction(walletClient, { address, abi: Pharmacy.abi, functionName: 'dispense', args: [prescriptionMessage(token), token.signature, price] })
      const [event] = parseEventLogs({ abi: Pharmacy.abi, eventName: 'Dispensed', logs: sent.receipt.logs })
      if (!event) throw new UnexpectedChainDataError(`no Dispensed event in transaction ${sent.txHash}`)
      return { invoiceId: event.args.invoiceId, dispenseNumber: Number(event.args.dispenseNumber), txHash: sent.txHash }
    },
    async payInvoice(invoiceId, amount) {
      const sent = await sendTransaction(walletClient, { address, abi: Pharmacy.abi, functionName: 'payInvoice', args: [invoiceId], value: amount })
      return { txHash: sent.txHash }
    },
    withdrawable: (account: Address) => read(() => readContract(publicClient, { address, abi: Pharmacy.abi, functionName: 'withdrawable', args: [account] })),
    async withdraw() {
      const sent = await sendTransaction(walletClient, { address, abi: Pharmacy.abi, functionName: 'withdraw', args: [] })
      const [event] = parseEventLogs({ abi: Pharmacy.abi, eventName: 'Withdrawn', logs: sent.receipt.logs })
      return { txHash: sent.txHash, amount: event?.args.amount ?? 0n }
    },
    sales: (account) =>
      read(async () => {
        const toBlock = await getBlockNumber(publicClient, { cacheTime: 0 })
        const [dispensed, paid] = await Promise.all([
          getContractEvents(publicClient, { address, abi: Pharmacy.abi, eventName: 'Dispensed', args: { pharmacist: account }, fromBlock, toBlock, strict: true }),
          getContractEvents(publicClient, { address, abi: Pharmacy.abi, eventName: 'InvoicePaid', args: { pharmacist: account }, fromBlock, toBlock, strict: true }),
        ])
        const paidIds = new Set(paid.map((log) => log.args.invoiceId))
        return dispensed
          .map((log) => ({ invoiceId: log.args.invoiceId, rxHash: log.args.rxHash, dispenseNumber: Number(log.args.dispenseNumber), amount: log.args.amount, paid: paidIds.has(log.args.invoiceId), txHash: log.transactionHash, blockNumber: log.blockNumber }))
          .reverse()
      }),
  }
}
