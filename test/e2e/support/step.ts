// The tests of an e2e file tell one story in order; each is also a step another test may
// need. A step runs at most once per file, after the steps it needs, so any test can run
// alone (`npx vitest run --project e2e -t '…'`): it first runs, as its own setup, the steps
// before it that it depends on. A step that failed fails every test that needs it, with
// its own error.
export function step(needs: readonly (() => Promise<void>)[], run: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined
  return () =>
    (done ??= (async () => {
      for (const need of needs) await need()
      await run()
    })())
}
