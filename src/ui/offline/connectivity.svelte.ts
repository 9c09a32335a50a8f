/**
 * Whether the browser has a network, as the page sees it (`navigator.onLine` and the
 * online/offline events). Pages that need the chain or the care nodes read
 * `connectivity.online` and show OfflineNotice instead of waiting on a spinner.
 */
class Connectivity {
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine)

  constructor() {
    if (typeof addEventListener !== 'function') return
    addEventListener('online', () => (this.online = true))
    addEventListener('offline', () => (this.online = false))
  }
}

export const connectivity = new Connectivity()

/** The same, as a function for code that only asks once. */
export function isOnline(): boolean {
  return connectivity.online
}
