/** The doctor's side of consent: inbox, accepted grants, opening patients' records. */
export class DoctorState {
  async dispose(): Promise<void> {}
}
