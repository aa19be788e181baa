import {strict as assert} from 'node:assert'

import {MediaType} from '../../src/lib/registry/manifests.js'
import {SAMPLE_IMAGES, seedSamples} from '../../src/sandbox/seed.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'

describe('inspect @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))

  it('shows an image and the other tags on its digest', async () => {
    const image = SAMPLE_IMAGES.find((sample) => sample.tags.includes('stable'))!.build()
    const {code, stdout} = await runCli(['inspect', `${registry().host}/team/app:stable`])
    assert.equal(code, 0)
    assert.match(stdout, new RegExp(`Digest: +${image.digest}`))
    assert.ok(stdout.includes(`Media type: ${MediaType.DOCKER_MANIFEST}\n`), stdout)
    assert.match(stdout, /Created: +2021-07-28T17:53:22Z/)
    assert.match(stdout, /Also tagged: 2021-07-28-175322-production\n/)
    const size = [...image.blobs.values()].reduce((sum, blob) => sum + blob.length, 0)
    assert.match(stdout, new RegExp(`\\(${size} bytes\\)`))
  })

  it('shows the platforms of an index, by digest too', async () => {
    const index = SAMPLE_IMAGES.find((sample) => sample.tags.includes('bullseye'))!.build()
    const {code, stdout} = await runCli(['inspect', `${registry().host}/base/multiarch@${index.digest}`, '--json'])
    assert.equal(code, 0)
    const result = JSON.parse(stdout) as {
      mediaType: string
      created: string
      platforms: Array<{platform: string}>
      otherTags: string[]
    }
    assert.equal(result.mediaType, MediaType.DOCKER_MANIFEST_LIST)
    assert.equal(result.created, '2023-01-11T00:00:00Z')
    assert.deepEqual(
      result.platforms.map((p) => p.platform),
      ['linux/amd64', 'linux/arm64/v8'],
    )
    assert.deepEqual(result.otherTags, ['bullseye'])
  })
})
