import {strict as assert} from 'node:assert'
import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {
  type CleanupMetrics,
  previousLastSuccess,
  renderMetrics,
  writeMetricsFile,
} from '../../../src/lib/cleanup/metrics.js'
import {useTempDir} from '../../helpers/tmp.js'

const run = (success: boolean, finishedAt: number): CleanupMetrics => ({
  registry: 'reg:5000',
  repositories: new Map([['team/"odd"', {tags: {deleted: 2, kept: 3, blocked: 1}, deletedBytes: 1234}]]),
  unreadableRepositories: 0,
  durationSeconds: 1.5,
  exitCode: success ? 0 : 10,
  finishedAt,
  success,
})

describe('cleanup/metrics', () => {
  const dir = useTempDir('metrics')

  it('renders Prometheus text format with escaped labels', () => {
    const text = renderMetrics(run(true, 1000), undefined)
    assert.match(
      text,
      /^registryctl_cleanup_tags\{registry="reg:5000",repository="team\/\\"odd\\"",outcome="deleted"\} 2$/m,
    )
    assert.match(text, /^# TYPE registryctl_cleanup_deleted_bytes gauge$/m)
    assert.match(text, /^registryctl_cleanup_deleted_bytes\{registry="reg:5000",repository="team\/\\"odd\\""\} 1234$/m)
    assert.match(text, /^registryctl_cleanup_duration_seconds\{registry="reg:5000"\} 1\.500$/m)
    assert.match(text, /^registryctl_cleanup_last_success_timestamp_seconds\{registry="reg:5000"\} 1000$/m)
  })

  it('keeps the last success time through a failed run, and replaces the file atomically', async () => {
    const file = join(dir(), 'cleanup.prom')
    await writeMetricsFile(file, run(true, 1000))
    await writeMetricsFile(file, run(false, 2000))
    const text = await readFile(file, 'utf8')
    assert.match(text, /^registryctl_cleanup_last_run_timestamp_seconds\{registry="reg:5000"\} 2000$/m)
    assert.match(text, /^registryctl_cleanup_exit_code\{registry="reg:5000"\} 10$/m)
    assert.equal(await previousLastSuccess(file, 'reg:5000'), 1000)
    assert.deepEqual(await readdir(dir()), ['cleanup.prom'], 'a temporary file was left behind')
  })

  it('counts the repositories the run could not read', () => {
    const text = renderMetrics({...run(false, 2000), unreadableRepositories: 2, exitCode: 15}, undefined)
    assert.match(text, /^# TYPE registryctl_cleanup_unreadable_repositories gauge$/m)
    assert.match(text, /^registryctl_cleanup_unreadable_repositories\{registry="reg:5000"\} 2$/m)
  })

  it('has no last success before the first successful run', () => {
    assert.doesNotMatch(renderMetrics(run(false, 2000), undefined), /last_success/)
  })
})
