import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'

import {acquireLock, LockedError} from '../../../src/lib/cleanup/lock.js'
import {ExitCode} from '../../../src/lib/errors.js'
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

  it('says which folder when the lock cannot be created (exit 2)', async () => {
    await assert.rejects(acquireLock('reg:5000', {dir: '/nonexistent-folder'}), (error: Error & {exitCode: number}) => {
      assert.equal(error.exitCode, ExitCode.USAGE)
      assert.match(
        error.message,
        /cannot open the cleanup lock \/nonexistent-folder\/registryctl-cleanup-reg_5000\.lock: ENOENT/,
      )
      return true
    })
  })
})
