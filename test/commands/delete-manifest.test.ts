import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {buildImage, buildMultiArch} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {assertOneLineError} from './list-images.test.js'

describe('delete-manifest @integration', () => {
  const registry = useRegistry()
  const client = () => localSession().client({host: registry().host})

  it('lists every tag that goes with the digest, notes that an index keeps its children until GC, and deletes', async () => {
    const index = buildMultiArch(['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'], 'oci', 'dm')
    await pushImage(client(), 'dm/multi', ['v1', 'stable'], index)
    await pushImage(
      client(),
      'dm/multi',
      ['other'],
      buildImage({created: '2024-02-01T00:00:00Z', layers: ['dm other']}),
    )
    const {code, stdout, stderr} = await runCli([
      'delete-manifest',
      `${registry().host}/dm/multi@${index.digest}`,
      '--yes',
    ])
    assert.equal(code, ExitCode.OK, stdout)
    assert.match(stderr, /is an index: its platform manifests stay until garbage collection/)
    assert.match(stdout, /:stable +\[DONE\]/)
    assert.match(stdout, /:v1 +\[DONE\]/)
    assert.deepEqual(await client().tags('dm/multi'), ['other'])
    // The children are still there, by digest, until the garbage collector runs.
    assert.equal(await client().exists('dm/multi', index.children[0]!.digest), index.children[0]!.digest)
  })

  it('deletes an untagged manifest', async () => {
    const image = buildImage({created: '2024-03-01T00:00:00Z', layers: ['dm untagged']})
    await pushImage(
      client(),
      'dm/untagged',
      ['keep'],
      buildImage({created: '2024-03-02T00:00:00Z', layers: ['dm keep']}),
    )
    await pushImage(client(), 'dm/untagged', [], image)
    const {code, stdout, stderr} = await runCli([
      'delete-manifest',
      `${registry().host}/dm/untagged@${image.digest}`,
      '--yes',
    ])
    assert.equal(code, ExitCode.OK, stdout)
    assert.match(stderr, /has no tags/)
    assert.equal(await client().exists('dm/untagged', image.digest), undefined)
  })

  it('reports an unknown digest with exit code 7 and a tag instead of a digest with exit code 2', async () => {
    const missing = await runCli(['delete-manifest', `${registry().host}/dm/multi@sha256:${'f'.repeat(64)}`, '--yes'])
    assert.equal(missing.code, ExitCode.NOT_FOUND)
    assertOneLineError(missing.stderr, /not found/)
    const tag = await runCli(['delete-manifest', `${registry().host}/dm/multi:other`, '--yes'])
    assert.equal(tag.code, ExitCode.USAGE)
    assertOneLineError(tag.stderr, /expected a digest/)
  })
})
