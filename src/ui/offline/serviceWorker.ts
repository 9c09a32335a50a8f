/// <reference lib="webworker" />
// The service worker that makes Salus open with no network (built to /sw.js by
// scripts/serviceWorkerPlugin.ts, which defines the two constants below; it imports nothing).
// Precached at install: index.html and every file of the build (JS, lazily loaded page
// chunks, CSS, WebAssembly, icons), so every page opens offline once the app loaded
// once. Network first, then the cache: the page itself and the network config.
// Cached on first use: the zero-knowledge files (9 MB, needed only to share or book).
// Other origins (the chain's RPC, care nodes) are never touched. Matches ignore Vary: a
// module script asks with an Origin header the precache request did not send.

declare const salusPrecache: string[]
declare const salusBuildVersion: string

const worker = self as unknown as ServiceWorkerGlobalScope
const precacheName = `salus-precache-${salusBuildVersion}`
const runtimeName = 'salus-runtime'
const networkFirst = ['config/salus.config.json']
const cacheOnUse = ['zk/']

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(precacheName)
      .then((cache) => cache.addAll(salusPrecache.map((path) => new Request(new URL(path, worker.registration.scope), { cache: 'reload' }))))
      .then(() => worker.skipWaiting()),
  )
})

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith('salus-precache-') && name !== precacheName).map((name) => caches.delete(name))))
      .then(() => worker.clients.claim()),
  )
})

worker.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  const scope = new URL(worker.registration.scope)
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return
  const path = url.pathname.slice(scope.pathname.length)
  if (request.mode === 'navigate') {
    event.respondWith(fromNetworkElse(request, () => caches.match(new URL('index.html', scope).href, { cacheName: precacheName, ignoreVary: true })))
  } else if (networkFirst.includes(path)) {
    event.respondWith(fromNetworkElse(request, () => caches.match(request, { cacheName: runtimeName, ignoreVary: true }), runtimeName))
  } else if (cacheOnUse.some((prefix) => path.startsWith(prefix))) {
    event.respondWith(caches.match(request, { cacheName: runtimeName, ignoreVary: true }).then((hit) => hit ?? fetchAndKeep(request, runtimeName)))
  } else {
    event.respondWith(caches.match(request, { cacheName: precacheName, ignoreVary: true }).then((hit) => hit ?? fetch(request)))
  }
})

async function fromNetworkElse(request: Request, fallback: () => Promise<Response | undefined>, keepIn?: string): Promise<Response> {
  try {
    return keepIn ? await fetchAndKeep(request, keepIn) : await fetch(request)
  } catch (error) {
    const cached = await fallback()
    if (cached) return cached
    throw error
  }
}

async function fetchAndKeep(request: Request, cacheName: string): Promise<Response> {
  const response = await fetch(request)
  if (response.ok) {
    const copy = response.clone()
    void caches.open(cacheName).then((cache) => cache.put(request, copy))
  }
  return response
}
