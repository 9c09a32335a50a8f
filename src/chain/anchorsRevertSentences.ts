/** One sentence per custom error of contracts/Anchors.sol; ContractRefusedError shows it (src/chain/chainErrors.ts). */
export const anchorsRevertSentences: Record<string, string> = {
  Anchors__EmptyBatch: 'There are no records in this batch to anchor.',
  Anchors__ZeroRoot: 'This batch has no Merkle root to anchor.',
  Anchors__UnknownBatch: 'This anchor batch does not exist on this chain. The record may have been anchored on another network.',
}
