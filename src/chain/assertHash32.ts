import { isHex, type Hex } from 'viem'
import { ChainInputError } from './chainErrors.ts'

/** Rejects anything but a 0x-prefixed 32-byte hex string before it reaches the chain. */
export function assertHash32(value: unknown, field: string): asserts value is Hex {
  if (typeof value !== 'string' || value.length !== 66 || !isHex(value, { strict: true })) {
    throw new ChainInputError('A record hash is malformed, so it cannot be checked on chain.', `${field} is not a 32-byte hex value`)
  }
}
