// Tests, benchmarks and scripts stand on their own (DEVELOPERS.md, "Tests and benchmarks"):
// tests import src/ and test/, never bench/ or scripts/; benchmarks import src/ and
// bench/, never test/ or scripts/; the app's own code imports nothing outside src/.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../..')

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'generated' ? [] : sourceFiles(relative)
    return /\.(ts|svelte)$/.test(entry.name) ? [relative] : []
  })
}

/** Every relative module a file imports, statically, dynamically or by re-export, as a path from the repository root. */
function importsOf(file: string): string[] {
  const source = readFileSync(path.join(root, file), 'utf8')
  const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((match) => match[1]!)
  return specifiers.map((specifier) => path.relative(root, path.resolve(root, path.dirname(file), specifier)))
}

function violations(dir: string, forbidden: string[], except: (file: string) => boolean = () => false): string[] {
  return sourceFiles(dir)
    .filter((file) => !except(file))
    .flatMap((file) => importsOf(file).filter((target) => forbidden.some((top) => target === top || target.startsWith(`${top}/`))).map((target) => `${file} imports ${target}`))
}

describe('tests, benchmarks and scripts stand on their own', () => {
  it('finds static, dynamic and re-exported imports', () => {
    expect(importsOf('test/unit/testBenchBoundaries.test.ts')).toEqual([])
    expect(importsOf('test/support/paymentsStack.ts')).toContain('src/zk/proveInNode.ts')
    expect(importsOf('bench/proxy.bench.ts')).toContain('src/p2p/careNode.ts') // a dynamic import
  })

  it('no test imports a benchmark or a script', () => {
    expect(violations('test', ['bench', 'scripts'])).toEqual([])
  })

  it('no benchmark imports a test or a script', () => {
    expect(violations('bench', ['test', 'scripts'])).toEqual([])
  })

  it("the app's code imports nothing outside src/ (its own tests may read test fixtures)", () => {
    expect(violations('src', ['test', 'bench', 'scripts'], (file) => file.endsWith('.test.ts'))).toEqual([])
    expect(violations('src', ['bench', 'scripts'])).toEqual([])
  })
})
