import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Abi, type Hex } from 'viem'
import { SalusError } from '../errors/salusError.ts'
import { contractOfError, revertSentence, type SalusContractName } from './revertSentences.ts'

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

/**
 * A Salus contract refused the request (it reverted). `contract` and `errorName` name
 * the custom error (`Consent__AlreadyRevoked`: contract Consent) so callers can branch
 * on it; the sentence comes from that contract's table (src/chain/revertSentences.ts).
 */
export class ContractRefusedError extends SalusError {
  override name = 'ContractRefusedError' as const
  readonly contract: SalusContractName | undefined
  readonly errorName: string | undefined
  readonly args: readonly unknown[]
  constructor(errorName: string | undefined, args: readonly unknown[], parameters: { cause?: unknown; shortMessage?: string } = {}) {
    super(parameters.shortMessage ?? revertSentence(errorName), {
      cause: parameters.cause,
      details: errorName ? `${errorName}(${args.map(String).join(', ')})` : undefined,
    })
    this.contract = contractOfError(errorName)
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

/** What a chain read may throw (besides errors it passes through unchanged). */
export type ReadChainErrorType = ContractRefusedError | ChainUnreachableError | UnexpectedChainDataError
/** What a chain write may throw: a read's errors, and the wallet's. */
export type WriteChainErrorType = ReadChainErrorType | TransactionRejectedError | InsufficientFundsError

export type ToChainErrorOptions = {
  /**
   * The custom errors of contracts the called one calls (Insurance inside Appointments),
   * to name a revert the called contract's ABI cannot. Named by the action, so only the
   * pages that need an ABI load it.
   */
  errorAbi?: Abi
}

/**
 * Turns whatever viem threw into a SalusError a person can act on: a revert of any
 * Salus contract becomes ContractRefusedError with that contract's sentence (also from
 * a contract the called one called, given its `errorAbi`). Unknown errors pass through
 * unchanged so nothing is hidden.
 */
export function toChainError(error: unknown, client: { transport: object }, options: ToChainErrorOptions = {}): unknown {
  const rpcUrl = 'url' in client.transport && typeof client.transport.url === 'string' ? client.transport.url : 'the configured RPC URL'
  if (error instanceof SalusError || !(error instanceof BaseError)) return error
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
  if (reverted instanceof ContractFunctionRevertedError) {
    const decoded = reverted.data ?? (reverted.raw && options.errorAbi ? decodeRevert(reverted.raw, options.errorAbi) : undefined)
    return new ContractRefusedError(decoded?.errorName ?? reverted.reason, decoded?.args ?? [], { cause: error })
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

function decodeRevert(data: Hex, abi: Abi): { errorName: string; args: readonly unknown[] } | undefined {
  try {
    const { errorName, args } = decodeErrorResult({ abi, data })
    return { errorName, args: args ?? [] }
  } catch {
    return undefined
  }
}
