import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {MediaType} from '../../src/lib/registry/manifests.js'
import {SAMPLE_IMAGES, seedSamples} from '../../src/sandbox/seed.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {assertOneLineError} from './list-images.test.js'

describe('resolve @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  const sample = (tag: string) => SAMPLE_IMAGES.find((image) => image.tags.includes(tag))!.build()

  it('prints the digest of a tag, the same for tags sharing an image', async () => {
    const stable = await runCli(['resolve', `${registry().host}/team/app:stable`])
    const production = await runCli(['resolve', `${registry().host}/team/app:2021-07-28-175322-production`])
    assert.equal(stable.code, 0)
    assert.equal(stable.stdout, `${sample('stable').digest}\n`)
    assert.equal(production.stdout, stable.stdout)
  })

  it('resolves an index to the index, not to a child (all four Accept types)', async () => {
    const {stdout} = await runCli(['resolve', `${registry().host}/base/multiarch:bookworm`, '--json'])
    const result = JSON.parse(stdout) as {digest: string; mediaType: string; size: number}
    const index = sample('bookworm')
    assert.deepEqual(result, {
      reference: `${registry().host}/base/multiarch:bookworm`,
      digest: index.digest,
      mediaType: MediaType.OCI_INDEX,
      size: index.manifest.length,
    })
  })

  it('reports an unknown tag with exit code 7', async () => {
    const {code, stderr} = await runCli(['resolve', `${registry().host}/team/app:nope`])
    assert.equal(code, ExitCode.NOT_FOUND)
    // A HEAD answer has no body, so no error code to quote.
    assertOneLineError(stderr, /manifest .*team\/app:nope not found$/)
  })

  it('requires a tag or digest', async () => {
    const {code, stderr} = await runCli(['resolve', `${registry().host}/team/app`])
    assert.equal(code, ExitCode.USAGE)
    assertOneLineError(stderr, /expected a tag or a digest/)
  })
})
