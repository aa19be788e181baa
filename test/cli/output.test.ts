/**
 * Standard output that fails (src/cli/output.ts): a full disk or a closed pipe ends a listing with one
 * line or quietly, and stops a deletion as a first Ctrl-C does, with every outcome on stderr instead.
 */
import {strict as assert} from 'node:assert'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {describeOutputError} from '../../src/cli/output.js'
import {buildImage} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {assertOneLineError} from '../commands/list-images.test.js'
import {runCliWithBrokenStdout} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {assertReportTrue, seedBuilds} from '../helpers/stopped-run.js'
import {useTempDir} from '../helpers/tmp.js'

const errno = (code: string, message: string) => Object.assign(new Error(message), {code}) as NodeJS.ErrnoException

describe('output', () => {
  it('says why stdout failed in words, with the code', () => {
    assert.equal(
      describeOutputError(errno('ENOSPC', 'ENOSPC: no space left on device, write')),
      'no space left on device (ENOSPC)',
    )
    assert.equal(describeOutputError(errno('EIO', 'EIO: i/o error, write')), 'i/o error (EIO)')
    assert.equal(describeOutputError(errno('EPIPE', 'write EPIPE')), 'the reader closed the pipe (EPIPE)')
  })
})

describe('output @integration', () => {
  const registry = useRegistry()
  const dir = useTempDir('output')
  const client = () => localSession().client({host: registry().host})
  const TAGS = 24

  /** A repository of TAGS tags, each on its own image. */
  /**
   * The report that stdout could not carry is on stderr: one `[DONE]` or `[SKIPPED]` line per tag,
   * agreeing with the registry, some tags not attempted, and no stack trace.
   */
  async function assertStoppedAndReported(name: string, stderr: string): Promise<void> {
    const outcomes = await assertReportTrue(client(), registry().host, name, TAGS, stderr)
    assert.ok([...outcomes.values()].includes('SKIPPED'), `the run went on after stdout failed:\n${stderr}`)
    assert.doesNotMatch(stderr, /^\s+at /m)
    assert.match(
      stderr,
      /^registryctl: standard output failed: no space left on device \(ENOSPC\); starting no more deletions, letting those in flight finish$/m,
    )
  }

  it('ends a listing on a full disk with one line and exit 74', async () => {
    await pushImage(
      client(),
      'output/listing',
      ['a'],
      buildImage({created: '2021-01-01T00:00:00Z', layers: ['listing']}),
    )
    for (const args of [
      ['list-tags', `${registry().host}/output/listing`],
      ['list-images', registry().host, '--json'],
      ['--help'],
    ]) {
      const {code, stderr} = await runCliWithBrokenStdout(args, 'full')
      assert.equal(code, ExitCode.OUTPUT, `${args.join(' ')}: ${stderr}`)
      assertOneLineError(stderr, /^registryctl: cannot write to standard output: no space left on device \(ENOSPC\)$/)
    }
  })

  it('drops the output of a command whose reader has gone, quietly, and keeps its exit code', async () => {
    await pushImage(client(), 'output/piped', ['a'], buildImage({created: '2021-01-01T00:00:00Z', layers: ['piped']}))
    const listed = await runCliWithBrokenStdout(['list-tags', `${registry().host}/output/piped`], 'closed-pipe')
    assert.deepEqual(listed, {code: 0, stderr: ''})
    // A failing check still fails (`set -o pipefail; registryctl smoke … | head`).
    const suite = join(dir(), 'failing.yaml')
    await writeFile(suite, 'http://registry.test:\n- path: /v2/\n  assert_status: 404\n')
    const checked = await runCliWithBrokenStdout(
      ['smoke', suite, '--hosts', '127.0.0.1', '--http-port', String(registry().port)],
      'closed-pipe',
    )
    assert.deepEqual(checked, {code: ExitCode.CHECK_FAILED, stderr: ''})
  })

  it('stops delete-tags when stdout fails: deletions in flight finish, every outcome on stderr, exit 74', async () => {
    const name = 'output/delete-tags'
    await seedBuilds(client(), name, TAGS)
    const {code, stderr} = await runCliWithBrokenStdout(
      ['delete-tags', `${registry().host}/${name}:build-*`, '--yes', '--concurrency', '2'],
      'full',
    )
    assert.equal(code, ExitCode.OUTPUT, stderr)
    await assertStoppedAndReported(name, stderr)
    assert.match(
      stderr.trimEnd().split('\n').at(-1)!,
      /^registryctl: standard output failed: no space left on device \(ENOSPC\); \d+ tag\(s\) deleted, \d+ not attempted \(\[SKIPPED\]\); every tag's outcome is above$/,
    )
  })

  it('reports a single deletion whose line stdout could not take on stderr, exit 74', async () => {
    const name = 'output/delete-manifest'
    const image = buildImage({created: '2021-01-01T00:00:00Z', layers: [name]})
    await pushImage(client(), name, ['only'], image)
    const {code, stderr} = await runCliWithBrokenStdout(
      ['delete-manifest', `${registry().host}/${name}@${image.digest}`, '--yes'],
      'full',
    )
    assert.equal(code, ExitCode.OUTPUT, stderr)
    assert.match(stderr, new RegExp(`^${registry().host}/${name}:only +\\[DONE\\]$`, 'm'))
    assert.equal(await client().exists(name, 'only'), undefined)
    assert.match(
      stderr.trimEnd().split('\n').at(-1)!,
      /^registryctl: standard output failed: no space left on device \(ENOSPC\); 1 tag\(s\) deleted, 0 not attempted/,
    )
  })

  it('stops cleanup when stdout fails, the same way', async () => {
    const name = 'output/cleanup'
    await seedBuilds(client(), name, TAGS)
    const policy = join(dir(), 'policy.yaml')
    await writeFile(
      policy,
      `registry: ${registry().host}\nrules:\n  - name: all\n    repositories: ["${name}"]\n    tags: ["build-*"]\n    keep: 0\n`,
    )
    // The plan goes to stdout: a stdout that fails takes it, and the run stops before deleting anything.
    const early = await runCliWithBrokenStdout(['cleanup', policy, '--yes', '--lock-dir', dir()], 'full')
    assert.equal(early.code, ExitCode.OUTPUT, early.stderr)
    assert.equal((await client().tags(name)).length, TAGS, early.stderr)
    // --silent: the first line on stdout is the first outcome, so stdout fails mid-run.
    const {code, stderr} = await runCliWithBrokenStdout(
      ['cleanup', policy, '--yes', '--silent', '--concurrency', '2', '--lock-dir', dir()],
      'full',
    )
    assert.equal(code, ExitCode.OUTPUT, stderr)
    await assertStoppedAndReported(name, stderr)
    assert.match(
      stderr.trimEnd().split('\n').at(-1)!,
      /^registryctl: standard output failed: no space left on device \(ENOSPC\); \d+ tag\(s\) deleted, \d+ not attempted \(\[SKIPPED\]\), 0 repositories not started; every outcome is above$/,
    )
  })
})
