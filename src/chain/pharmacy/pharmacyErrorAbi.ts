import { Insurance } from '../generated/Insurance.ts'
import { Pharmacy } from '../generated/Pharmacy.ts'

/** Pharmacy's and Insurance's custom errors: a covered payment reverts inside Insurance, called by Pharmacy. */
export const pharmacyErrorAbi = [...Pharmacy.abi, ...Insurance.abi].filter((item) => item.type === 'error')
