// Page code of a browser benchmark is a real module under bench/pages, built and served by
// the app's Vite server (from /@fs/…) and called here by name. Only this one-line call is a
// string: a function compiled by tsx and handed to page.evaluate may carry helpers the page lacks.
import path from 'node:path'
import type { Page } from 'playwright-core'

const root = path.resolve(import.meta.dirname, '../..')

/** Calls `exportName` of bench/pages/`file` in the page with one JSON argument. */
export function callPageModule<T>(page: Page, file: string, exportName: string, argument: unknown): Promise<T> {
  const url = `/@fs${path.join(root, 'bench/pages', file)}`
  return page.evaluate(`import(${JSON.stringify(url)}).then((module) => module[${JSON.stringify(exportName)}](${JSON.stringify(argument)}))`) as Promise<T>
}
