// import.*: one Synthea patient Bundle imported as the app does it, in Chromium: read and
// checked in the import Web Worker, the person chosen, fingerprints compared, every record
// encrypted and stored in Chromium's IndexedDB in one commit. Median of 3, each into a fresh
// account. The page code is bench/pages/importPage.ts, built by the app's Vite.
// The patient: test/fixtures/fhir's Synthea patient once s4-import adds it; until then a
// Synthea-shaped Bundle of the same size (test/support/syntheaLike.ts).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { median, type Benchmark } from './support/benchmark.ts'
import { launchBrowser } from './support/browser.ts'
import { callPageModule } from './support/pageModule.ts'
import { startBenchVite } from './support/benchVite.ts'
import { syntheaLikeBundle } from './support/syntheaLike.ts'

const runs = 3

/** The Synthea patient the import tests use, if committed; else a Synthea-shaped one (2,400 records). */
export function syntheaPatientText(): { text: string; source: string } {
  const dir = join(import.meta.dirname, '..', 'test', 'fixtures', 'fhir', 'synthea')
  if (existsSync(dir)) {
    const file = readdirSync(dir).find((name) => name.endsWith('.json') && !/hospital|practitioner/i.test(name))
    if (file) return { text: readFileSync(join(dir, file), 'utf8'), source: `test/fixtures/fhir/synthea/${file}` }
  }
  return { text: JSON.stringify(syntheaLikeBundle({ recordsPerPatient: 2_400, seed: 7 })), source: 'Synthea-shaped Bundle, 2,400 records' }
}

let session: Promise<{ medianMs: number; perSecond: number }> | undefined

function measure() {
  return (session ??= (async () => {
    const { text, source } = syntheaPatientText()
    const vite = await startBenchVite()
    const browser = await launchBrowser()
    try {
      const page = await browser.newPage()
      await page.goto(vite.url)
      const { times, records } = await callPageModule<{ times: number[]; records: number }>(page, 'importPage.ts', 'measureImport', { text, runs })
      const medianMs = median(times)
      console.log(`  ${source}: ${records} records stored; runs ${times.map((t) => t.toFixed(0)).join(', ')} ms`)
      return { medianMs, perSecond: records / (medianMs / 1000) }
    } finally {
      await browser.close()
      await vite.close()
    }
  })())
}

export default [
  {
    name: 'import.synthea_patient_ms',
    about: 'one Synthea patient Bundle: read in the worker, encrypted, stored in Chromium IndexedDB in one commit; median of 3',
    unit: 'ms',
    better: 'lower',
    run: async () => (await measure()).medianMs,
  },
  {
    name: 'import.synthea_resources_per_s',
    about: 'records stored per second in that import (median run)',
    unit: 'records/s',
    better: 'higher',
    run: async () => (await measure()).perSecond,
  },
] satisfies Benchmark[]
