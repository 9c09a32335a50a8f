import { BaseError, ContractFunctionRevertedError } from 'viem'
import { SalusError } from '../errors/salusError.ts'

/** The RPC node did not answer (down, wrong URL, offline). */
export class ChainUnreachableError extends SalusError {
  override name = 'ChainUnreachableError' as const
  constructor(rpcUrl: string, cause?: unknown) {
    const local = /\/\/(127\.0\.0\.1|localhost)[:/]/.test(rpcUrl)
    super(
      local
        ? `Could not reach the chain at ${rpcUrl}. Is the local network running (npm start)?`
        : `Could not reach the chain at ${rpcUrl}. Check your connection and try again.`,
      { cause },
    )
  }
}

/** The contract refused the call; `errorName` is its custom error (e.g. `Registry__NotCertified`). */
export class ContractRevertedError extends SalusError {
  override name = 'ContractRevertedError' as const
  readonly errorName: string | undefined
  readonly args: readonly unknown[]
  constructor(errorName: string | undefined, args: readonly unknown[], cause?: unknown) {
    super(revertSentences[errorName ?? ''] ?? 'The contract refused this request. Nothing was changed.', {
      cause,
      details: errorName ? `${errorName}(${args.map(String).join(', ')})` : undefined,
    })
    this.errorName = errorName
    this.args = args
  }
}

/** The person declined in their wallet. */
export class TransactionRejectedError extends SalusError {
  override name = 'TransactionRejectedError' as const
  constructor(cause?: unknown) {
    super('You declined the transaction in your wallet. Nothing was changed.', { cause })
  }
}

/** The account cannot pay for gas. */
export class InsufficientFundsError extends SalusError {
  override name = 'InsufficientFundsError' as const
  constructor(cause?: unknown) {
    super('This account has too little ETH to pay for the transaction. Fund it, then try again.', { cause })
  }
}

/** Chain data that does not have the shape our contracts guarantee (wrong address or chain). */
export class UnexpectedChainDataError extends SalusError {
  override name = 'UnexpectedChainDataError' as const
  constructor(details: string) {
    super('The chain returned data Salus does not recognise. Check that the network configuration is current.', {
      details,
    })
  }
}

/** Invalid arguments caught before anything is sent. */
export class ChainInputError extends SalusError {
  override name = 'ChainInputError' as const
  constructor(shortMessage: string, details?: string) {
    super(shortMessage, details ? { details } : {})
  }
}

const revertSentences: Record<string, string> = {
  Anchors__EmptyBatch: 'There are no records in this batch to anchor.',
  Anchors__ZeroRoot: 'This batch has no Merkle root to anchor.',
  Anchors__UnknownBatch: 'This anchor batch does not exist on this chain. The record may have been anchored on another network.',
  Registry__NotCertified: 'This account is not certified for that role. Ask the matching authority to certify it first.',
  Registry__AlreadyRegistered: 'This account is already in the directory. Update its entry instead.',
  Registry__NotRegistered: 'This account is not in the provider directory yet.',
  Registry__EmptyName: 'Enter a name for the directory entry.',
  Registry__FieldTooLong: 'One of the directory fields is too long. Shorten it and try again.',
  Registry__InvalidUmbralPublicKey: 'The re-encryption public key is not a valid compressed key (33 bytes).',
  Registry__TooManyMultiaddrs: 'Too many network addresses: list at most 8.',
  Registry__NotAProviderRole: 'That role cannot be certified: choose doctor, responder, insurer or care node.',
  Registry__NotAnAuthorityRole: 'That role is not an authority role.',
  Registry__ZeroAddress: 'An account address is missing.',
  Registry__IndexOutOfRange: 'That directory entry does not exist.',
  AccessControlUnauthorizedAccount: 'This account is not allowed to do that. Only the matching authority can.',
}

/**
 * Turns whatever viem threw into a SalusError a person can act on; unknown errors
 * pass through unchanged so nothing is hidden.
 */
export function toChainError(error: unknown, client: { transport: object }): unknown {
  const rpcUrl = 'url' in client.transport && typeof client.transport.url === 'string' ? client.transport.url : 'the configured RPC URL'
  if (error instanceof SalusError || !(error instanceof BaseError)) return error
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
  if (reverted instanceof ContractFunctionRevertedError) {
    return new ContractRevertedError(reverted.data?.errorName ?? reverted.reason, reverted.data?.args ?? [], error)
  }
  const names = new Set<string>()
  error.walk((e) => {
    if (e instanceof Error) names.add(e.name)
    return false
  })
  if (names.has('UserRejectedRequestError')) return new TransactionRejectedError(error)
  if (names.has('InsufficientFundsError')) return new InsufficientFundsError(error)
  if (names.has('HttpRequestError') || names.has('WebSocketRequestError') || names.has('TimeoutError')) {
    return new ChainUnreachableError(rpcUrl, error)
  }
  return error
}
