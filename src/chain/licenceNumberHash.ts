import { keccak256, stringToHex, type Hex } from 'viem'

/**
 * The hash a directory entry publishes instead of the licence number: keccak256 of the
 * number's UTF-8 text, spaces around it removed. An authority that has the number on file
 * hashes it the same way to check an application.
 */
export function licenceNumberHash(licenceNumber: string): Hex {
  return keccak256(stringToHex(licenceNumber.trim()))
}
