import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'
import { defineConfig } from 'vitest/config'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import wasm from 'vite-plugin-wasm'
import { serviceWorkerPlugin } from './scripts/serviceWorkerPlugin.ts'

// Umbral ships wasm-bindgen output; vite-plugin-wasm loads it. The top-level-await
// plugin is not needed with an es2022 target (and breaks the build).
const projectRoot = fileURLToPath(new URL('.', import.meta.url))

// Each local network (npm start, an e2e run) serves its own config, so two can run side by side.
function networkConfig(): Plugin {
  return {
    name: 'salus-network-config',
    configureServer(server) {
      server.middlewares.use('/config/salus.config.json', serveConfig)
    },
    // `vite preview` of a build (the offline e2e test) serves the same config.
    configurePreviewServer(server) {
      server.middlewares.use('/config/salus.config.json', serveConfig)
    },
  }
}

function serveConfig(_request: unknown, response: import('node:http').ServerResponse, next: () => void): void {
  const path = process.env.SALUS_CONFIG_PATH
  if (!path) return next()
  readFile(path).then(
    (body) => {
      response.setHeader('content-type', 'application/json')
      response.setHeader('cache-control', 'no-store')
      response.end(body)
    },
    () => next(),
  )
}

// The app's index.html lives in src/ so the top level holds only what DESIGN.md lists.
export default defineConfig({
  root: 'src',
  publicDir: '../public',
  plugins: [networkConfig(), svelte(), wasm(), serviceWorkerPlugin()],
  build: { target: 'es2022', outDir: '../dist', emptyOutDir: true },
  worker: { format: 'es', plugins: () => [wasm()] },
  // @medplum/core is imported only by the import worker (a dynamic import the dependency scan does not
  // reach): pre-bundled at start, or the dev server optimizes it on first import and the worker's
  // request fails ("outdated optimize dep") while the page reloads.
  optimizeDeps: { exclude: ['@nucypher/umbral-pre'], include: ['@medplum/core'], esbuildOptions: { target: 'es2022' } },
  server: { port: Number(process.env.SALUS_APP_PORT ?? 5173), strictPort: true },
  test: {
    root: projectRoot,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'], environment: 'node' } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], environment: 'node' } },
      { extends: true, test: { name: 'attacks', include: ['test/attacks/**/*.test.ts'], environment: 'node' } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/support/globalSetup.ts'],
          testTimeout: 180_000,
        },
      },
    ],
  },
})
