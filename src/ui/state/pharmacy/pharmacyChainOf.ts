import type { Address } from 'viem'
import { dispensePrescription } from '../../../chain/pharmacy/dispensePrescription.ts'
import { listPharmacySales } from '../../../chain/pharmacy/listPharmacySales.ts'
import { payInvoice } from '../../../chain/pharmacy/payInvoice.ts'
import { readDispenseCount } from '../../../chain/pharmacy/readDispenseCount.ts'
import { readInvoice } from '../../../chain/pharmacy/readInvoice.ts'
import { readPharmacyEarnings } from '../../../chain/pharmacy/readPharmacyEarnings.ts'
import { withdrawPharmacyEarnings } from '../../../chain/pharmacy/withdrawPharmacyEarnings.ts'
import type { PharmacyChain } from '../../../flows/pharmacy/pharmacyChain.ts'
import { PharmacyUnavailableError } from '../../../flows/pharmacy/pharmacyFlowErrors.ts'
import type { ConsentContext } from '../consent/consentContext.ts'

/**
 * The pharmacy flows' chain: the Pharmacy contract's actions (src/chain/pharmacy) bound to
 * the signed-in account and the network's deployment. Throws PharmacyUnavailableError when
 * the network has no Pharmacy contract.
 */
export function pharmacyChainOf(context: Pick<ConsentContext, 'config' | 'publicClient' | 'walletClient'>): PharmacyChain {
  const deployment = context.config.contracts.Pharmacy
  if (!deployment) throw new PharmacyUnavailableError('This network has no pharmacy contract, so prescriptions cannot be dispensed or paid here. Start the local network (npm start) and reload.')
  const pharmacy = deployment.address
  const { publicClient, walletClient } = context
  const fromBlock = BigInt(deployment.deployBlock)
  return {
    chainId: context.config.chainId,
    pharmacy,
    registry: context.config.contracts.Registry.address,
    registryFromBlock: BigInt(context.config.contracts.Registry.deployBlock),
    client: publicClient,
    dispenseCount: (rxHash) => readDispenseCount(publicClient, { pharmacy, rxHash }),
    readInvoice: async (invoiceId) => {
      const found = await readInvoice(publicClient, { pharmacy, invoiceId })
      return { pharmacist: found.pharmacist, amount: found.amount, status: found.status }
    },
    dispense: async (token, price) => {
      const { invoiceId, dispenseNumber, txHash } = await dispensePrescription(walletClient, { pharmacy, token, price })
      return { invoiceId, dispenseNumber, txHash }
    },
    payInvoice: async (invoiceId, amount) => ({ txHash: (await payInvoice(walletClient, { pharmacy, invoiceId, amount })).txHash }),
    withdrawable: (account: Address) => readPharmacyEarnings(publicClient, { pharmacy, pharmacist: account }),
    withdraw: async () => {
      const { txHash, amount } = await withdrawPharmacyEarnings(walletClient, { pharmacy })
      return { txHash, amount }
    },
    sales: async (account) =>
      (await listPharmacySales(publicClient, { pharmacy, pharmacist: account, fromBlock })).map((sale) => ({
        invoiceId: sale.invoiceId, rxHash: sale.rxHash, dispenseNumber: sale.dispenseNumber, amount: sale.amount, paid: sale.payment !== undefined, txHash: sale.txHash, blockNumber: sale.blockNumber,
      })),
  }
}
