/**
 * The FHIR R4 shapes Salus code reads. Records are open JSON objects: every resource
 * carries elements we do not model, so these types name only what we touch.
 */
export type FhirResource = {
  resourceType: string
  id?: string
  [element: string]: unknown
}

export type Coding = { system?: string; version?: string; code?: string; display?: string }
export type CodeableConcept = { coding?: Coding[]; text?: string }
export type Reference = { reference?: string; type?: string; display?: string }
export type Period = { start?: string; end?: string }

export type Quantity = {
  value?: number
  comparator?: '<' | '<=' | '>=' | '>'
  unit?: string
  system?: string
  code?: string
}

export type Annotation = { text: string; time?: string; authorString?: string }

export type Attachment = {
  contentType?: string
  language?: string
  data?: string
  url?: string
  size?: number
  hash?: string
  title?: string
  creation?: string
  extension?: { url: string; [value: string]: unknown }[]
}

export type BundleEntry = { fullUrl?: string; resource?: FhirResource; [element: string]: unknown }

export type Bundle = FhirResource & {
  resourceType: 'Bundle'
  type: string
  timestamp?: string
  entry?: BundleEntry[]
}
