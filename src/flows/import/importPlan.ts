// The import pipeline the import flow runs: src/core/fhir/import (pure, no DOM, usable
// inside the import worker), re-exported so the worker, flow and UI keep one import path.
export type { ImportPerson, ImportPlan, PlannedRecord, RejectedItem } from '../../core/fhir/import/importPlan.ts'
export { planFhirImport } from '../../core/fhir/import/planFhirImport.ts'
export { chooseRecords } from '../../core/fhir/import/chooseRecords.ts'
export { groupRejections } from '../../core/fhir/import/groupRejections.ts'
export { recordFingerprint } from '../../core/fhir/import/recordFingerprint.ts'
import type { RejectedItem } from '../../core/fhir/import/importPlan.ts'

export type SetAsideItem = RejectedItem & { person: string }
