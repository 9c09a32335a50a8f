// A fresh clone's `npm test` needs nothing outside the repository: the FHIR fixtures come
// inside it (test/fixtures/fhir, with their sources), and no test, support file or
// benchmark names a path that climbs out of the repository (as `../shared/…` once did).
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fhirFixtures } from '../support/fixtures.ts'

const root = path.resolve(import.meta.dirname, '../..')
const inside = (target: string) => {
  const relative = path.relative(root, target)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'fixtures' ? [] : sourceFiles(full)
    return /\.(ts|js|mjs|svelte)$/.test(entry.name) ? [full] : []
  })
}

/** Every relative path literal in `source` ('..', '../x', "../../y/z"), template literals with ${} left out. */
function relativePathLiterals(source: string): string[] {
  return [...source.matchAll(/(['"`])(\.\.(?:\/[^'"`\s$]*)?)\1/g)].map((match) => match[2]!)
}

describe('tests stay inside the repository', () => {
  it('resolves the FHIR fixtures inside the repository, each file as its SOURCES.md records it', () => {
    expect(inside(fhirFixtures), `${fhirFixtures} is outside ${root}`).toBe(true)
    const sources = readFileSync(path.join(fhirFixtures, 'SOURCES.md'), 'utf8')
    const recorded = [...sources.matchAll(/^([0-9a-f]{64}) {2}(\S+)$/gm)].map((match) => ({ sha256: match[1]!, file: match[2]! }))
    // Every fixture file, sub-folders included; shl-test-vector/ records its hashes in its own table.
    const present = readdirSync(fhirFixtures, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name !== 'SOURCES.md')
      .map((entry) => path.relative(fhirFixtures, path.join(entry.parentPath, entry.name)))
      .filter((file) => !file.startsWith('shl-test-vector'))
      .sort()
    expect(recorded.map((entry) => entry.file).sort()).toEqual(present)
    expect(present.length).toBeGreaterThan(0)
    for (const { sha256, file } of recorded) {
      expect(createHash('sha256').update(readFileSync(path.join(fhirFixtures, file))).digest('hex'), file).toBe(sha256)
    }
  })

  it('finds the path literals a test could climb out with', () => {
    expect(relativePathLiterals(`new URL('../../../shared/fixtures/fhir', import.meta.url); path.resolve(dir, "..")`)).toEqual(['../../../shared/fixtures/fhir', '..'])
    expect(relativePathLiterals('`${root}/../x`')).toEqual([])
  })

  it('no test, test support or benchmark names a path outside the repository', () => {
    // This file is left out: it spells such a path on purpose, to test the finder.
    const files = ['test', 'bench'].flatMap((dir) => sourceFiles(path.join(root, dir))).filter((file) => file !== import.meta.filename)
    expect(files.length).toBeGreaterThan(50)
    const outside: string[] = []
    for (const file of files) {
      const source = readFileSync(file, 'utf8')
      for (const literal of relativePathLiterals(source)) {
        // Relative to the file's own directory, which is what import.meta.url/dirname resolve against.
        const target = path.resolve(path.dirname(file), literal)
        if (!inside(target) && target !== root) outside.push(`${path.relative(root, file)}: '${literal}'`)
      }
      if (source.includes(['..', 'shared'].join('/'))) outside.push(`${path.relative(root, file)}: names the sibling shared directory`)
    }
    expect(outside).toEqual([])
  })

  it('the fixture directory is a real directory of the repository, not a link out of it', () => {
    expect(existsSync(fhirFixtures)).toBe(true)
    expect(inside(realpathSync(fhirFixtures)), 'test/fixtures/fhir resolves outside the repository').toBe(true)
  })
})
