// The layer rule of src (docs/DESIGN.md, "Layout"), checked by `npm test` (scripts/test.ts, step "layers").
// Layers from the bottom: src/errors; src/crypto; src/core; the adapters src/zk, src/store,
// src/chain, src/p2p; src/flows; src/ui (with src/main.ts). A module imports only from its own
// layer or below. Among the adapters the order is zk < chain < p2p (a contract checks the
// circuit's hashes; the proxy obeys the grants on chain), and store stands alone.
// Type-only imports count (tsPreCompilationDeps), and the graph has no cycle.
const layers = [
  ['errors', '^src/errors/'],
  ['crypto', '^src/crypto/'],
  ['core', '^src/core/'],
  ['zk', '^src/zk/'],
  ['store', '^src/store/'],
  ['chain', '^src/chain/'],
  ['p2p', '^src/p2p/'],
  ['flows', '^src/flows/'],
  ['ui', '^src/(ui/|main\\.ts$)'],
]
// What each layer may import from src besides itself.
const allowed = {
  errors: [],
  crypto: ['errors'],
  core: ['errors', 'crypto'],
  zk: ['errors', 'crypto', 'core'],
  store: ['errors', 'crypto', 'core'],
  chain: ['errors', 'crypto', 'core', 'zk'],
  p2p: ['errors', 'crypto', 'core', 'zk', 'chain'],
  flows: ['errors', 'crypto', 'core', 'zk', 'store', 'chain', 'p2p'],
  ui: ['errors', 'crypto', 'core', 'zk', 'store', 'chain', 'p2p', 'flows'],
}
const pathOf = Object.fromEntries(layers)

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'A cycle ties its modules into one: no layer could be read, tested or replaced alone.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'outside-layers',
      severity: 'error',
      comment: 'Every module of src belongs to a layer; a new top-level folder needs a place in the rule.',
      from: { path: '^src/', pathNot: layers.map(([, path]) => path) },
      to: { path: '^src/' },
    },
    {
      name: 'src-imports-outside-src',
      severity: 'error',
      comment: 'The application does not import tests, benchmarks or scripts.',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'umbral-only-through-crypto',
      severity: 'error',
      comment: 'Umbral is reached through src/crypto/umbral.ts, so the library loads and is wrapped in one place.',
      from: { path: '^src/', pathNot: '^src/crypto/' },
      to: { path: 'node_modules/@nucypher/umbral-pre/' },
    },
    ...layers.map(([layer, path]) => ({
      name: `${layer}-imports-above`,
      severity: 'error',
      comment: `${layer} may import only ${[layer, ...allowed[layer]].join(', ')}.`,
      from: { path },
      to: { path: '^src/', pathNot: [path, ...allowed[layer].map((name) => pathOf[name])] },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.test\\.ts$', '^src/chain/generated/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.svelte'] },
    moduleSystems: ['es6'],
  },
}
