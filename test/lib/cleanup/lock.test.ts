import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {acquireLock, LockedError} from '../../../src/lib/cleanup/lock.js'
import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {useTempDir} from '../../helpers/tmp.js'

describe('cleanup/lock', () => {
  const dir = useTempDir('lock')

  it('lets one holder per registry in; the second refuses at once naming the holder, or waits', async () => {
    const first = await acquireLock('reg:5000', {dir: dir()})
    const other = await acquireLock('other:5000', {dir: dir()})
    await assert.rejects(acquireLock('reg:5000', {dir: dir()}), (error: LockedError) => {
      assert.equal(error.exitCode, ExitCode.LOCKED)
      assert.match(
        error.message,
        new RegExp(`another cleanup of reg:5000 is running \\(pid ${process.pid} since [^)]+\\)`),
      )
      return true
    })
    const started = Date.now()
    await assert.rejects(acquireLock('reg:5000', {dir: dir(), waitSeconds: 1}), /held after waiting 1 s/)
    assert.ok(Date.now() - started >= 900)
    const waiting = acquireLock('reg:5000', {dir: dir(), waitSeconds: 30})
    setTimeout(() => void first.release(), 200)
    await (await waiting).release()
    await other.release()
  })

  it('is released by the kernel when its holder dies (kill -9)', async () => {
    const module = new URL('../../../src/lib/cleanup/lock.ts', import.meta.url).href
    const code = `const {acquireLock} = await import(${JSON.stringify(module)}); await acquireLock('dead:1', {dir: ${JSON.stringify(dir())}}); console.log('locked'); setTimeout(() => {}, 60000)`
    const holder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve) =>
      holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve()),
    )
    await assert.rejects(acquireLock('dead:1', {dir: dir()}), LockedError)
    const exited = new Promise((resolve) => holder.once('exit', resolve))
    holder.kill('SIGKILL')
    await exited
    await (await acquireLock('dead:1', {dir: dir()})).release()
  })

  it('creates a --lock-dir that does not exist (mkdir -p); an error only if it cannot be', async () => {
    const nested = join(dir(), 'not', 'yet')
    const lock = await acquireLock('reg:5000', {dir: nested})
    assert.ok(existsSync(lock.path))
    await lock.release()
    // Under a file (root may create folders anywhere else): exit 2, naming the folder.
    const file = join(dir(), 'a-file')
    await writeFile(file, '')
    await assert.rejects(acquireLock('reg:5000', {dir: join(file, 'locks')}), (error: RegistryCtlError) => {
      assert.equal(error.exitCode, ExitCode.USAGE)
      assert.match(error.message, /cannot create the cleanup lock folder .*a-file\/locks: ENOTDIR/)
      return true
    })
  })
})
