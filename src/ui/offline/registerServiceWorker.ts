/// <reference types="vite/client" />
/**
 * Registers the service worker of a built app (/sw.js, scripts/serviceWorkerPlugin.ts),
 * so the app installs and opens offline. Not in the dev server (`npm start`): there
 * modules are served one by one and change on every edit; a worker would serve stale ones.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  const register = () =>
    navigator.serviceWorker.register(new URL('sw.js', document.baseURI), { scope: './' }).catch((error: unknown) => {
      console.warn('Salus: the offline app could not be installed', error)
    })
  // After the page's own loads; the entry module (top-level await for WebAssembly) may finish after 'load'.
  if (document.readyState === 'complete') void register()
  else addEventListener('load', () => void register(), { once: true })
}
