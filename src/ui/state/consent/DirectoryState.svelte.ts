import { keccak256, stringToHex } from 'viem'
import { listProviders } from '../../../chain/listProviders.ts'
import type { ProviderEntry } from '../../../chain/providerEntry.ts'
import { reportError } from '../reportError.ts'
import type { ConsentContext } from './consentContext.ts'

/** The provider directory from the Registry: doctors to share with, care nodes to act as proxies. */
export class DirectoryState {
  doctors = $state.raw<ProviderEntry[]>([])
  careNodes = $state.raw<ProviderEntry[]>([])
  query = $state('')
  loading = $state(false)
  error = $state('')

  constructor(private readonly context: ConsentContext) {}

  /** Name, specialty and hospital match word by word; a licence number matches its hash exactly. */
  filtered = $derived.by(() => {
    const query = this.query.trim().toLowerCase()
    if (!query) return this.doctors
    const words = query.split(/\s+/)
    const licenceHash = keccak256(stringToHex(this.query.trim())).toLowerCase()
    return this.doctors.filter((doctor) => {
      if (doctor.licenceNumberHash.toLowerCase() === licenceHash || doctor.licenceNumberHash.toLowerCase().startsWith(query)) return true
      const text = `${doctor.name} ${doctor.specialty} ${doctor.hospital}`.toLowerCase()
      return words.every((word) => text.includes(word))
    })
  })

  async load(): Promise<void> {
    this.loading = true
    this.error = ''
    try {
      const entries = await listProviders(this.context.publicClient, { registry: this.context.config.contracts.Registry.address })
      this.doctors = entries.filter((entry) => entry.role === 'doctor')
      this.careNodes = entries.filter((entry) => entry.role === 'careNode')
    } catch (error) {
      this.error = reportError(error, 'reading the provider directory')
    } finally {
      this.loading = false
    }
  }

  doctor(account: string): ProviderEntry | undefined {
    return this.doctors.find((doctor) => doctor.account.toLowerCase() === account.toLowerCase())
  }
}
