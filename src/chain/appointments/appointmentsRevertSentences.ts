/** One sentence per custom error of contracts/Appointments.sol; ContractRefusedError shows it (src/chain/chainErrors.ts). */
export const appointmentsRevertSentences: Record<string, string> = {
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
}
