import { describe, expect, it } from 'vitest'
import { isScope, scopeLabels, scopes } from '../../src/core/scopes.ts'

describe('scopes', () => {
  it('labels every scope and recognises only known names', () => {
    for (const scope of scopes) expect(scopeLabels[scope]).toBeTruthy()
    expect(isScope('labs')).toBe(true)
    expect(isScope('everything')).toBe(false)
    expect(isScope(42)).toBe(false)
  })
})
