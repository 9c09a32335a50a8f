import type { Account, Chain, Client, Transport } from 'viem'

export type PaymentsWalletClient = Client<Transport, Chain | undefined, Account>
export type PaymentsPublicClient = Client<Transport, Chain | undefined>
