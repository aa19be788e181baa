import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {seedSamples} from '../../src/sandbox/seed.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {assertOneLineError} from './list-images.test.js'

describe('list-tags @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))

  it('selects tags with an fnmatch glob', async () => {
    const {code, stdout} = await runCli(['list-tags', `${registry().host}/team/app:2021-*`])
    assert.equal(code, 0)
    assert.equal(stdout, '-- \nteam/app:\n  - 2021-03-02-101010-production\n  - 2021-07-28-175322-production\n')
  })

  it('supports [!seq] sets and --json', async () => {
    const {stdout} = await runCli(['list-tags', `${registry().host}/team/oci-tool:[!l]*`, '--json'])
    const result = JSON.parse(stdout) as {image: string; tags: Array<{tag: string; created: string}>}
    assert.equal(result.image, `${registry().host}/team/oci-tool`)
    assert.deepEqual(
      result.tags.map((t) => [t.tag, t.created]),
      [
        ['1.0.0', '2023-05-01T08:00:00.123456789Z'],
        ['1.1.0', '2023-09-12T08:00:00Z'],
      ],
    )
  })

  it('prints just the header when nothing matches', async () => {
    const {code, stdout} = await runCli(['list-tags', `${registry().host}/team/app:nothing-*`])
    assert.deepEqual([code, stdout], [0, '-- \nteam/app:\n'])
  })

  it('reports an unknown repository with exit code 7', async () => {
    const {code, stderr} = await runCli(['list-tags', `${registry().host}/no/such`])
    assert.equal(code, ExitCode.NOT_FOUND)
    assertOneLineError(stderr, /repository .*\/no\/such not found \(NAME_UNKNOWN\)/)
  })

  it('reports an invalid reference with exit code 2', async () => {
    const {code, stderr} = await runCli(['list-tags', `${registry().host}/Team/App`])
    assert.equal(code, ExitCode.USAGE)
    assertOneLineError(stderr, /invalid reference .* must be lowercase/)
  })
})
