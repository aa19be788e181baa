/** Bad input is refused or flagged with its reason, in one line. */
import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {buildImage} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {assertOneLineError} from './list-images.test.js'

describe('input errors keep their reason @integration', () => {
  const registry = useRegistry({}, async (running) => {
    await pushImage(
      localSession().client({host: running.host}),
      'input/app',
      ['2021-01', 'stable'],
      buildImage({created: '2021-01-01T00:00:00Z', layers: ['input app']}),
    )
  })

  for (const [flag, value, reason] of [
    [
      '--concurrency',
      '0',
      /--concurrency: Expected an integer greater than or equal to 1 but received: 0 \(see --help\)/,
    ],
    ['--concurrency', 'many', /--concurrency: Expected an integer but received: many/],
    ['--timeout', '0', /--timeout: Expected an integer greater than or equal to 1 but received: 0/],
    ['--retries', '-1', /--retries: Expected an integer greater than or equal to 0 but received: -1/],
  ] as const) {
    it(`${flag} ${value}: exit 2 with the reason`, async () => {
      const {code, stderr} = await runCli(['list-tags', `${registry().host}/input/app`, flag, value])
      assert.equal(code, ExitCode.USAGE)
      assertOneLineError(stderr, reason)
    })
  }

  it('an unclosed [ in a glob gets a warning line; the listing still runs', async () => {
    const {code, stdout, stderr} = await runCli(['list-tags', `${registry().host}/input/app:2021-[0`])
    assert.equal(code, 0, stderr)
    assert.match(stderr, /^registryctl: warning: in pattern '2021-\[0' the '\[' at position 6 is never closed/)
    assert.equal(stderr.trim().split('\n').length, 1)
    assert.match(stdout, /^-- \ninput\/app:\n/)
  })

  it('delete-tags warns about an unclosed [ too, and "no tag matches" names the pattern', async () => {
    const {code, stdout, stderr} = await runCli(['delete-tags', `${registry().host}/input/app:2021-[0`, '--yes'])
    assert.equal(code, 0, stderr)
    assert.match(stderr, /registryctl: warning: in pattern '2021-\[0'/)
    // The plan goes to stderr on a real run (stdout carries only the report lines).
    assert.match(stderr, /no tag matches '2021-\[0'\./)
    assert.equal(stdout, '')
  })
})
