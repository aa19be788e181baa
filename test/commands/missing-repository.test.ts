/** A repository the registry does not know is exit 7 for every command that names one. */
import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {buildImage} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {assertOneLineError} from './list-images.test.js'

const DIGEST = `sha256:${'a'.repeat(64)}`

describe('a missing repository is exit 7 for every command @integration', () => {
  const registry = useRegistry({}, async (running) => {
    // The typo's neighbour exists, with tags the pattern would match.
    await pushImage(
      localSession().client({host: running.host}),
      'team/app',
      ['2021-01'],
      buildImage({created: '2021-01-01T00:00:00Z', layers: ['missing repo test']}),
    )
  })

  const commands: Array<[string, (host: string) => string[]]> = [
    ['list-tags', (host) => ['list-tags', `${host}/team/ap`]],
    ['list-tags with a glob', (host) => ['list-tags', `${host}/team/ap:2021-*`]],
    ['resolve', (host) => ['resolve', `${host}/team/ap:2021-01`]],
    ['inspect by tag', (host) => ['inspect', `${host}/team/ap:2021-01`]],
    ['inspect by digest', (host) => ['inspect', `${host}/team/ap@${DIGEST}`]],
    ['delete-tags', (host) => ['delete-tags', `${host}/team/ap:2021-*`, '--yes']],
    ['delete-tags --dry-run', (host) => ['delete-tags', `${host}/team/ap:*`, '--dry-run']],
    ['delete-manifest', (host) => ['delete-manifest', `${host}/team/ap@${DIGEST}`, '--yes']],
  ]
  for (const [label, args] of commands) {
    it(`${label}: exit 7, one line`, async () => {
      const {code, stdout, stderr} = await runCli(args(registry().host))
      assert.equal(code, ExitCode.NOT_FOUND, `${stdout}\n${stderr}`)
      assertOneLineError(stderr, /team\/ap\b.* not found/)
    })
  }

  it('the existing repository is untouched', async () => {
    assert.deepEqual(await localSession().client({host: registry().host}).tags('team/app'), ['2021-01'])
  })
})
