import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

/** Why a pharmacy refuses a prescription before anything is sent to the chain (the chain refuses the same). */
export type PrescriptionRefusal =
  | 'bad-signature'
  | 'not-doctor-at-issue'
  | 'decertified-doctor'
  | 'expired'
  | 'already-dispensed'
  | 'no-repeats-left'
  | 'uncertified-pharmacy'
  | 'wrong-fee'
  | 'wrong-network'

const sentences: Record<PrescriptionRefusal, string> = {
  'bad-signature': 'This prescription is refused: its signature does not match the doctor it names, so it was altered or forged. Ask the patient to contact the doctor.',
  'not-doctor-at-issue': 'This prescription is refused: the prescriber was not a certified doctor on the day it was written.',
  'decertified-doctor': 'This prescription is refused: the prescriber is no longer a certified doctor. The patient needs a new prescription from a certified doctor.',
  expired: 'This prescription is refused: it has expired. The patient needs a new prescription.',
  'already-dispensed': 'This prescription has already been dispensed and allows no repeats. Nothing more can be dispensed on it.',
  'no-repeats-left': 'This prescription has no repeats left: every fill it allows has been dispensed. The patient needs a new prescription.',
  'uncertified-pharmacy': 'You cannot dispense: this account is not a certified pharmacist. Ask your pharmacy council to certify you in the Registry.',
  'wrong-fee': 'The amount does not match the invoice: pay exactly the amount the pharmacy asked, to the wei.',
  'wrong-network': 'This prescription was made for another Salus network, so it cannot be dispensed here.',
}

/** A prescription that cannot be dispensed (or paid) now, with the reason in words a pharmacist or patient acts on. */
export class PrescriptionRefusedError extends SalusError {
  override name = 'PrescriptionRefusedError' as const
  readonly reason: PrescriptionRefusal
  constructor(reason: PrescriptionRefusal, details?: string, parameters: SalusErrorParameters = {}) {
    super(sentences[reason], { ...parameters, ...(details ? { details } : {}) })
    this.reason = reason
  }
}

/** The network has no Pharmacy contract (or no care nodes to carry prescriptions). */
export class PharmacyUnavailableError extends SalusError {
  override name = 'PharmacyUnavailableError' as const
}
