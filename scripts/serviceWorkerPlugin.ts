/**
 * Builds the service worker (src/ui/offline/serviceWorker.ts) into dist/sw.js with the
 * list of files to precache: everything the build emitted (the app, each lazily loaded
 * page chunk, CSS, WebAssembly) and the icons and manifest from public/, but not the
 * zero-knowledge files (cached when first used) or the network config (network first).
 * Hand-written instead of vite-plugin-pwa: that plugin pulls in workbox-build
 * (338 packages, 114 MB installed) for about sixty lines of worker. Build only: in
 * `npm start` (the dev server) no worker is registered.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { transformWithOxc, type Plugin } from 'vite'

const workerSource = fileURLToPath(new URL('../src/ui/offline/serviceWorker.ts', import.meta.url))
/** Files of public/ the offline app needs (the rest, zk/ and config/, are fetched when used). */
const publicFiles = ['manifest.webmanifest', 'icons/salus.svg', 'icons/salus-192.png', 'icons/salus-512.png']

export function serviceWorkerPlugin(): Plugin {
  return {
    name: 'salus-service-worker',
    apply: 'build',
    async generateBundle(_options, bundle) {
      const built = Object.keys(bundle).filter((file) => !file.endsWith('.map') && file !== 'sw.js' && !file.startsWith('.vite/'))
      // index.html is emitted by Vite's HTML plugin, which may run after this hook: named here.
      const precache = [...new Set(['index.html', ...built, ...publicFiles])].sort()
      const version = createHash('sha256')
        .update(JSON.stringify(precache))
        .digest('hex')
        .slice(0, 16)
      const { code } = await transformWithOxc(await readFile(workerSource, 'utf8'), workerSource, { lang: 'ts' })
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: `const salusPrecache = ${JSON.stringify(precache)};\nconst salusBuildVersion = ${JSON.stringify(version)};\n${code}`,
      })
    },
  }
}
