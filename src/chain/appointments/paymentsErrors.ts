import { BaseError, ContractFunctionRevertedError, decodeErrorResult } from 'viem'
import { SalusError } from '../../errors/salusError.ts'
import { ContractRevertedError, toChainError } from '../chainErrors.ts'
import { Appointments } from '../generated/Appointments.ts'
import { Insurance } from '../generated/Insurance.ts'

/**
 * Appointments or Insurance refused a request; `errorName` is the contract's custom
 * error (e.g. `Appointments__WrongFee`) so the UI can branch on it.
 */
export class PaymentRefusedError extends SalusError {
  override name = 'PaymentRefusedError' as const
  readonly errorName: string
  readonly args: readonly unknown[]
  constructor(shortMessage: string, errorName: string, args: readonly unknown[], cause?: unknown) {
    super(shortMessage, { cause, details: `${errorName}(${args.map(String).join(', ')})` })
    this.errorName = errorName
    this.args = args
  }
}

/** One sentence per custom error of contracts/Appointments.sol and contracts/Insurance.sol. */
export const paymentRevertSentences: Record<string, string> = {
  Appointments__NotDoctor: 'Only a certified doctor can publish appointment slots.',
  Appointments__InvalidStart: 'A slot must start in the future, and at most two years ahead.',
  Appointments__InvalidDuration: 'A slot must last between 5 minutes and 24 hours.',
  Appointments__UnknownSlot: 'This appointment slot does not exist on this network.',
  Appointments__SlotNotOpen: 'This slot is no longer available. Pick another one.',
  Appointments__SlotInPast: 'This slot has already started and can no longer be booked.',
  Appointments__WrongFee: 'The amount sent does not match the fee exactly. Nothing was charged; try again.',
  Appointments__NothingToCover: 'This slot is free, so there is nothing for insurance to cover.',
  Appointments__NotSlotDoctor: 'Only the doctor who published this slot can do that.',
  Appointments__NotPayer: 'Only the account that booked this appointment can do that.',
  Appointments__WrongStatus: 'The appointment is not in a state that allows this any more. Refresh to see its status.',
  Appointments__TooLateToCancel:
    'Appointments can only be cancelled at least 24 hours before the start. Contact the doctor instead.',
  Appointments__TooEarly: 'It is too early for this: wait until the time shown on the appointment.',
  Appointments__TooLate: 'Attendance can be confirmed only until 48 hours after the visit ends; that time has passed.',
  Appointments__NothingToWithdraw: 'There is nothing to withdraw for this account.',
  Appointments__TransferFailed: 'The payment could not be sent to this account. Try again from another wallet.',
  Appointments__UnexpectedEther: 'Send fees through the booking, not directly to the contract.',
  Appointments__ZeroAddress: 'An address is missing in the deployment.',
  Insurance__InvalidBatch: 'Enrol from 1 to 256 members in one transaction.',
  Insurance__NotInsurer: 'Only a certified insurer can do that.',
  Insurance__NotAppointments: 'Insurance cover can only be claimed through a booking.',
  Insurance__AlreadyBound: 'The insurance contract is already connected to the appointments contract.',
  Insurance__ZeroAddress: 'An address is missing in the deployment.',
  Insurance__InvalidPlan:
    'The plan is not valid: give it a name (up to 64 bytes), a fee above zero, 1 to 255 visits and a period of at least a day.',
  Insurance__UnknownPlan: 'This insurance plan does not exist on this network.',
  Insurance__PlanClosed: 'This insurance plan no longer covers new visits.',
  Insurance__NotPlanInsurer: 'Only the insurer who created this plan can change it.',
  Insurance__InvalidLeaf: 'This member credential is not valid. Ask the patient to show their identity code again.',
  Insurance__ZeroAmount: 'Enter an amount above zero.',
  Insurance__InsufficientPool: 'The insurer’s pool does not hold enough ETH for this.',
  Insurance__UnknownRoot:
    'Your proof was made against an out-of-date member list. Make the proof again; it will use the current list.',
  Insurance__NullifierUsed:
    'This covered visit has already been used in this period. You may have no covered visits left; you can still pay the fee.',
  Insurance__InvalidProof: 'The insurance proof does not match this booking. Make the proof again for this slot.',
  Insurance__TransferFailed: 'The pool could not send the payment. Try again later.',
}

/** Both contracts' custom errors: a covered booking reverts inside Insurance, called by Appointments. */
const paymentErrorsAbi = [...Appointments.abi, ...Insurance.abi].filter((item) => item.type === 'error')

/** Like toChainError, with the sentences of the payment contracts. */
export function toPaymentsError(error: unknown, client: { transport: object }): unknown {
  const nested = nestedRevert(error)
  if (nested) return nested
  const mapped = toChainError(error, client)
  if (mapped instanceof ContractRevertedError && mapped.errorName && mapped.errorName in paymentRevertSentences) {
    return new PaymentRefusedError(paymentRevertSentences[mapped.errorName]!, mapped.errorName, mapped.args, error)
  }
  return mapped
}

/** A revert the called contract's ABI could not name (it came from the other contract). */
function nestedRevert(error: unknown): PaymentRefusedError | undefined {
  if (!(error instanceof BaseError)) return undefined
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
  if (!(reverted instanceof ContractFunctionRevertedError) || reverted.data || !reverted.raw) return undefined
  try {
    const { errorName, args } = decodeErrorResult({ abi: paymentErrorsAbi, data: reverted.raw })
    const sentence = paymentRevertSentences[errorName]
    return sentence ? new PaymentRefusedError(sentence, errorName, args ?? [], error) : undefined
  } catch {
    return undefined
  }
}
