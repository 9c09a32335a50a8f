/** One sentence per custom error of contracts/Insurance.sol; ContractRefusedError shows it (src/chain/chainErrors.ts). */
export const insuranceRevertSentences: Record<string, string> = {
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
  Insurance__InvalidDepth:
    'Your proof was made for a member list of another size than your insurer’s. Make the proof again; it will use the current list.',
  Insurance__TransferFailed: 'The pool could not send the payment. Try again later.',
  Insurance__NotPharmacy: 'Only the Salus Pharmacy contract can claim prescription cover.',
  Insurance__PrescriptionsNotCovered: 'Your plan does not cover prescriptions. Pay the invoice yourself.',
}
