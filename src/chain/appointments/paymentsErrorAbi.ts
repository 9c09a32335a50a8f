import { Appointments } from '../generated/Appointments.ts'
import { Insurance } from '../generated/Insurance.ts'

/** Both payment contracts' custom errors: a covered booking or a refund reverts inside Insurance, called by Appointments. */
export const paymentsErrorAbi = [...Appointments.abi, ...Insurance.abi].filter((item) => item.type === 'error')
