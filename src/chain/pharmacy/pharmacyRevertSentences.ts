/** One sentence per custom error of contracts/Pharmacy.sol; ContractRefusedError shows it (src/chain/chainErrors.ts). */
export const pharmacyRevertSentences: Record<string, string> = {
  Pharmacy__ZeroAddress: 'An address is missing in the deployment.',
  Pharmacy__NotPharmacist: 'Only a pharmacist certified by a pharmacy council can dispense. Ask your council to certify this account.',
  Pharmacy__BadSignature: 'The prescription’s signature is damaged: it cannot be dispensed. Ask the patient for the prescription again.',
  Pharmacy__NotDoctor:
    'The prescription is not signed by a doctor certified now: it was altered or forged, or its doctor has been decertified. Do not dispense it.',
  Pharmacy__Expired: 'This prescription has expired and can no longer be dispensed. The patient needs a new one.',
  Pharmacy__NoDispensesLeft: 'This prescription has already been dispensed as many times as it allows (no repeats left).',
  Pharmacy__PriceTooHigh: 'The price is far beyond any invoice: check the amount.',
  Pharmacy__UnknownInvoice: 'This invoice does not exist on this network.',
  Pharmacy__InvoiceNotOpen: 'This invoice has already been paid.',
  Pharmacy__WrongAmount: 'The amount sent does not match the invoice exactly. Nothing was charged; try again.',
  Pharmacy__NothingToCover: 'This invoice is free, so there is nothing for insurance to cover.',
  Pharmacy__NothingToWithdraw: 'There are no earnings to withdraw for this account.',
  Pharmacy__TransferFailed: 'The payment could not be sent to this account. Try again from another wallet.',
  Pharmacy__UnexpectedEther: 'Pay invoices through the invoice, not directly to the contract.',
}
