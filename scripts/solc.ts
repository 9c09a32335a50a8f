/**
 * A `solc` command line over solc-js, so forge (which cannot download a native
 * compiler here) and scripts/generateContracts.ts use the one npm-pinned compiler.
 * Supports what forge calls: `--version` and `--standard-json` (stdin → stdout).
 * Run through scripts/solc, which picks the project's Node 22.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)
const solc = require('solc') as {
  version(): string
  compile(input: string, options?: { import?: (p: string) => { contents: string } | { error: string } }): string
}

/** Emscripten prints `>>>` progress lines on stdout; they would corrupt the JSON. */
function clean(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('>>>'))
    .join('\n')
}

function readStdin(): string {
  return readFileSync(0, 'utf8')
}

/** Resolves imports the caller did not inline, from the base and include paths. */
function importResolver(roots: string[]) {
  return (importPath: string) => {
    for (const root of roots) {
      try {
        return { contents: readFileSync(path.resolve(root, importPath), 'utf8') }
      } catch {
        // try the next root
      }
    }
    return { error: `File not found: ${importPath}` }
  }
}

function main(argv: string[]): number {
  if (argv.includes('--version')) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`)
    return 0
  }
  if (argv.includes('--standard-json')) {
    const roots = [process.cwd()]
    for (let i = 0; i < argv.length; i++) {
      const flag = argv[i]
      const value = argv[i + 1]
      if ((flag === '--base-path' || flag === '--include-path') && value) roots.push(value)
    }
    const output = solc.compile(readStdin(), { import: importResolver(roots) })
    process.stdout.write(clean(output))
    return 0
  }
  process.stderr.write('usage: solc --version | solc --standard-json < input.json\n')
  return 1
}

process.exitCode = main(process.argv.slice(2))
