// SPDX-License-Identifier: GPL-3.0-or-later
import type { Account, Chain, Client, Transport } from 'viem'

export type ConsentWalletClient = Client<Transport, Chain | undefined, Account>
export type ConsentPublicClient = Client<Transport, Chain | undefined>
