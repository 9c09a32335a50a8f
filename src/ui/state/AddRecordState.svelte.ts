import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import { describeError } from '../../errors/salusError.ts'
import { FormInputError } from '../../core/fhir/fhirErrors.ts'
import { buildFormResource } from './buildFormResource.ts'
import { kindSpec, type RecordKind } from './recordKinds.ts'
import { localToday, validateRecordForm, type FormErrors, type FormValues } from './validateRecordForm.ts'

export type SaveRecord = (resource: FhirResource, attachment?: { file: File }) => Promise<unknown>

/** The "Add record" form: chosen kind, typed values, field errors. Saving goes through VaultState. */
export class AddRecordState {
  open = $state(false)
  kind = $state<RecordKind>('allergy')
  values = $state<FormValues>({})
  file = $state.raw<File | undefined>()
  errors = $state<FormErrors>({})
  formError = $state('')
  saving = $state(false)
  private readonly save: SaveRecord

  constructor(save: SaveRecord) {
    this.save = save
  }

  get spec() {
    return kindSpec(this.kind)
  }

  start(kind: RecordKind = this.kind): void {
    this.open = true
    this.choose(kind)
  }

  choose(kind: RecordKind): void {
    this.kind = kind
    const values: FormValues = {}
    for (const field of kindSpec(kind).fields) {
      if (field.defaultToday) values[field.name] = localToday()
      else if (field.options?.[0]) values[field.name] = field.options[0].value
    }
    this.values = values
    this.file = undefined
    this.errors = {}
    this.formError = ''
  }

  cancel(): void {
    this.open = false
  }

  setFile(file: File | undefined): void {
    this.file = file
    const { attachment: _old, ...rest } = this.errors
    this.errors = rest
  }

  /** Validates, builds FHIR R4 and saves; keeps the form open (with messages) when anything fails. */
  async submit(): Promise<boolean> {
    this.formError = ''
    this.errors = validateRecordForm(this.kind, this.values, this.file, localToday())
    const count = Object.keys(this.errors).length
    if (count > 0) {
      this.formError = count === 1 ? 'One field needs attention.' : `${count} fields need attention.`
      return false
    }
    let resource: FhirResource
    try {
      resource = buildFormResource(this.kind, this.values, this.file)
    } catch (error) {
      console.error('Salus: building a record from the form failed', error)
      // Core's builders name the field (FormInputError.field uses the same names as our fields).
      if (error instanceof FormInputError && this.spec.fields.some((field) => field.name === error.field)) {
        this.errors = { [error.field]: error.shortMessage }
        this.formError = 'One field needs attention.'
      } else this.formError = describeError(error)
      return false
    }
    this.saving = true
    try {
      const saved = await this.save(resource, this.file ? { file: this.file } : undefined)
      if (saved === undefined) return false
      this.open = false
      return true
    } finally {
      this.saving = false
    }
  }
}
