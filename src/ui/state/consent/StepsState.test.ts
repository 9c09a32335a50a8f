import { describe, expect, it } from 'vitest'
import { StepsState } from './StepsState.svelte.ts'

describe('StepsState', () => {
  it('marks the active step failed, keeping earlier steps done', () => {
    const steps = new StepsState(['a', 'b', 'c'])
    expect(steps.started).toBe(false)
    steps.reset()
    steps.begin(0)
    steps.finish(0)
    steps.begin(1)
    steps.detail(1, '3 of 9')
    steps.failActive()
    expect(steps.steps.map((step) => [step.state, step.detail])).toEqual([
      ['done', ''],
      ['failed', '3 of 9'],
      ['waiting', ''],
    ])
  })
})
