import type { Address, Chain, Client, Hex, Transport } from 'viem'
import { readProvider } from '../../chain/readProvider.ts'

/**
 * A doctor's mailbox address as the directory lists it now: their registered Umbral
 * receiving key (Registry profile `umbralPublicKey`), or undefined when they have no entry.
 * For collectInbox / answerWriteBack's `doctorKey`.
 */
export function directoryReceivingKey(client: Client<Transport, Chain | undefined>, registry: Address): (account: Address) => Promise<Hex | undefined> {
  return async (account) => (await readProvider(client, { registry, account }))?.umbralPublicKey
}
