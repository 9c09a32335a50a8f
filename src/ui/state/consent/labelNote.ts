/**
 * Said next to every label a patient wrote into a consent. The proof shows that someone
 * holding a patient identity consented; the label is free text they chose, and nothing
 * checks that it is their name.
 */
export const patientLabelNote = 'the patient’s own words, not verified'
export const patientLabelHint =
  'The patient typed this label when sharing. The consent’s proof is checked, but not the label: it is not proof of who the patient is.'
