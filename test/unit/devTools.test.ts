// The development tools are looked for in one order on every platform: the variable,
// Foundry's npm package for the platform, PATH; otherwise one sentence. Real files in
// a temporary directory stand in for the tools (only their place matters here).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DevToolMissingError, DevToolStartError, foundryPackage, resolveDevTool, spawnDevTool } from '../../src/chain/deploy/devTools.ts'

const work = mkdtempSync(path.join(tmpdir(), 'salus-devtools-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function executable(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, '#!/bin/sh\n')
  chmodSync(file, 0o755)
  return file
}

/** A repository whose node_modules holds Foundry's package for `suffix`. */
function repositoryWith(suffix: string, binary = 'anvil'): string {
  const root = path.join(work, `repo-${suffix}`)
  mkdirSync(root, { recursive: true })
  writeFileSync(path.join(root, 'package.json'), '{}')
  const dir = path.join(root, 'node_modules/@foundry-rs', `anvil-${suffix}`)
  executable(path.join(dir, 'bin', binary))
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `@foundry-rs/anvil-${suffix}` }))
  return root
}

describe('foundryPackage', () => {
  it('names the package Foundry publishes for each platform Node reports', () => {
    expect(foundryPackage('anvil', 'darwin', 'arm64')).toBe('@foundry-rs/anvil-darwin-arm64')
    expect(foundryPackage('anvil', 'darwin', 'x64')).toBe('@foundry-rs/anvil-darwin-amd64')
    expect(foundryPackage('forge', 'linux', 'arm64')).toBe('@foundry-rs/forge-linux-arm64')
    expect(foundryPackage('forge', 'linux', 'x64')).toBe('@foundry-rs/forge-linux-amd64')
    expect(foundryPackage('anvil', 'win32', 'x64')).toBe('@foundry-rs/anvil-win32-amd64')
    expect(foundryPackage('anvil', 'freebsd', 'x64')).toBeUndefined()
    expect(foundryPackage('anvil', 'linux', 'ia32')).toBeUndefined()
  })
})

describe('resolveDevTool', () => {
  const onPath = executable(path.join(work, 'bin/anvil'))
  const root = repositoryWith('darwin-arm64')
  const options = { root, platform: 'darwin' as const, arch: 'arm64' }

  it('takes the variable first, then the platform package, then PATH', () => {
    const configured = executable(path.join(work, 'elsewhere/anvil'))
    expect(resolveDevTool('anvil', { ...options, env: { SALUS_ANVIL: configured, PATH: path.dirname(onPath) } })).toBe(configured)
    expect(resolveDevTool('anvil', { ...options, env: { PATH: path.dirname(onPath) } })).toBe(path.join(root, 'node_modules/@foundry-rs/anvil-darwin-arm64/bin/anvil'))
    expect(resolveDevTool('anvil', { ...options, arch: 'x64', env: { PATH: path.dirname(onPath) } })).toBe(onPath)
  })

  it('looks for anvil.exe in the Windows package', () => {
    const windows = repositoryWith('win32-amd64', 'anvil.exe')
    expect(resolveDevTool('anvil', { root: windows, platform: 'win32', arch: 'x64', env: {} })).toBe(path.join(windows, 'node_modules/@foundry-rs/anvil-win32-amd64/bin/anvil.exe'))
  })

  it('skips a file on PATH that is not executable', () => {
    const dir = path.join(work, 'plain')
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, 'forge'), '')
    expect(() => resolveDevTool('forge', { ...options, env: { PATH: dir } })).toThrow(DevToolMissingError)
  })

  it('refuses a variable that points nowhere, naming it, even when the tool is elsewhere', () => {
    expect(() => resolveDevTool('anvil', { ...options, env: { SALUS_ANVIL: '/nonexistent/anvil', PATH: path.dirname(onPath) } })).toThrow(
      'SALUS_ANVIL is set to /nonexistent/anvil, which is not an executable file: point it at anvil or unset it.',
    )
  })

  it('says what to install when the tool is nowhere, per platform', () => {
    const missing = (tool: 'anvil' | 'forge' | 'chromium', platform: NodeJS.Platform, arch: string) => {
      try {
        resolveDevTool(tool, { root: work, platform, arch, env: { PATH: path.join(work, 'empty') } })
      } catch (error) {
        expect(error).toBeInstanceOf(DevToolMissingError)
        return (error as DevToolMissingError).shortMessage
      }
      throw new Error(`${tool} was found`)
    }
    expect(missing('anvil', 'darwin', 'x64')).toBe(
      'anvil (the local Ethereum chain) was not found in SALUS_ANVIL, node_modules or PATH: run npm install (it installs @foundry-rs/anvil-darwin-amd64 unless optional dependencies are omitted), or install Foundry (https://getfoundry.sh), or set SALUS_ANVIL to anvil\'s path.',
    )
    expect(missing('forge', 'freebsd', 'x64')).toBe(
      'forge (the Solidity test runner) was not found in SALUS_FORGE or on PATH, and Foundry publishes no npm package for freebsd-x64: install Foundry (https://getfoundry.sh) so that forge is on PATH, or set SALUS_FORGE to its path.',
    )
    expect(missing('chromium', 'linux', 'arm64')).toMatch(/^Chromium was not found in SALUS_CHROMIUM or on PATH .*sudo apt-get install chromium.*set SALUS_CHROMIUM to the browser's executable\.$/)
    for (const sentence of [missing('anvil', 'linux', 'arm64'), missing('chromium', 'darwin', 'arm64')]) {
      expect(sentence.match(/[.:] [A-Z]/g), sentence).toBeNull()
    }
  })

  it('finds Chromium under another name on PATH', () => {
    const chrome = executable(path.join(work, 'browsers/google-chrome'))
    expect(resolveDevTool('chromium', { platform: 'linux', env: { PATH: path.dirname(chrome) } })).toBe(chrome)
  })
})

describe('spawnDevTool', () => {
  it('turns a tool that cannot be run into a sentence, not an unhandled error', async () => {
    const broken = path.join(work, 'broken/anvil')
    mkdirSync(path.dirname(broken), { recursive: true })
    // Executable, but its interpreter does not exist: found, yet spawn fails (ENOENT).
    writeFileSync(broken, '#!/nonexistent/interpreter\n')
    chmodSync(broken, 0o755)
    const previous = process.env.SALUS_ANVIL
    process.env.SALUS_ANVIL = broken
    try {
      const { started } = spawnDevTool('anvil', [], { stdio: 'ignore' })
      await expect(started).rejects.toBeInstanceOf(DevToolStartError)
      await expect(started).rejects.toThrow(/^anvil \(.*broken\/anvil\) could not be started \(ENOENT\): /)
    } finally {
      if (previous === undefined) delete process.env.SALUS_ANVIL
      else process.env.SALUS_ANVIL = previous
    }
  })
})
