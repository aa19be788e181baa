import {strict as assert} from 'node:assert'

import {compareByCreated, createdTime, Inventory, selectTags} from '../../../src/lib/registry/inventory.js'
import {MediaType} from '../../../src/lib/registry/manifests.js'
import {buildImage, buildMultiArch} from '../../../src/sandbox/images.js'
import {seedSamples, SAMPLE_NAKED_TAG} from '../../../src/sandbox/seed.js'
import {StoreWriter} from '../../../src/sandbox/store.js'
import {localSession, useRegistry} from '../../helpers/registry.js'

const MANY_REPOSITORIES = 260
const MANY_TAGS = 160

describe('inventory', () => {
  it('orders by created date, undated first, ties by name, nanosecond dates included', () => {
    const entries = [
      {tag: 'b', created: '2021-01-01T00:00:00.000000002Z'},
      {tag: 'a', created: '2021-01-01T00:00:00.000000001Z'},
      {tag: 'undated'},
      {tag: 'old', created: '2020-12-31T23:59:59.999999999Z'},
    ]
    assert.deepEqual(
      entries.sort(compareByCreated).map((e) => e.tag),
      ['undated', 'old', 'a', 'b'],
    )
    assert.equal(createdTime('not a date'), Number.NEGATIVE_INFINITY)
  })

  it('hides 40-hex tags unless asked, and selects by fnmatch', () => {
    const tags = ['v1', 'v2', SAMPLE_NAKED_TAG, 'latest']
    assert.deepEqual(selectTags(tags, {}), ['v1', 'v2', 'latest'])
    assert.deepEqual(selectTags(tags, {allTags: true, pattern: '[!l]*'}), ['v1', 'v2', SAMPLE_NAKED_TAG])
  })

  describe('against distribution 2.8 @integration', () => {
    const registry = useRegistry({}, async (running) => {
      // Large catalog and tag list: written straight into the store, as the registry would.
      const writer = new StoreWriter(running.rootDirectory)
      const shared = buildImage({created: '2020-01-01T00:00:00Z', layers: ['shared']})
      for (let i = 0; i < MANY_REPOSITORIES; i++)
        writer.image(`bulk/repo-${String(i).padStart(3, '0')}`, ['v1'], shared)
      for (let i = 0; i < MANY_TAGS; i++) {
        const created = new Date(Date.UTC(2020, 0, 1) + (MANY_TAGS - i) * 3_600_000).toISOString()
        writer.image('many/tags', [`t-${String(i).padStart(3, '0')}`], buildImage({created, layers: [`many ${i}`]}))
      }

      await seedSamples(localSession().client({host: running.host}))
    })

    it(`lists a catalog of ${MANY_REPOSITORIES + 4} repositories across distribution's 100-per-page default`, async () => {
      const client = localSession().client({host: registry().host})
      const byHundred = await client.repositories({pageSize: 100})
      const byThousand = await client.repositories()
      assert.equal(byHundred.length, MANY_REPOSITORIES + 5)
      assert.deepEqual(byHundred, byThousand)
      assert.ok(byHundred.includes('bulk/repo-259') && byHundred.includes('team/app'))
    })

    it(`lists a repository with ${MANY_TAGS} tags, oldest first by image date`, async () => {
      const entry = await new Inventory(localSession().client({host: registry().host})).listTags('many/tags', {
        sort: 'created',
      })
      assert.equal(entry.tags.length, MANY_TAGS)
      // t-159 was created first, t-000 last.
      assert.equal(entry.tags[0]!.tag, 't-159')
      assert.equal(entry.tags.at(-1)!.tag, 't-000')
    })

    it('dates every manifest type: Docker schema2, OCI, and indexes by their newest child', async () => {
      const inventory = new Inventory(localSession().client({host: registry().host}))
      const {repositories: listed} = await inventory.listImages({select: '[bt]*/[!r]*', sort: 'created'})
      const byName = Object.fromEntries(listed.map((r) => [r.name, r.tags]))
      assert.deepEqual(Object.keys(byName), ['base/multiarch', 'team/app', 'team/oci-tool'])
      assert.deepEqual(
        byName['base/multiarch']!.map((t) => [t.tag, t.mediaType, t.created]),
        [
          ['bullseye', MediaType.DOCKER_MANIFEST_LIST, '2023-01-11T00:00:00Z'],
          ['bookworm', MediaType.OCI_INDEX, '2024-01-12T00:00:00Z'],
        ],
      )
      assert.deepEqual(
        byName['team/app']!.map((t) => t.tag),
        [
          '2021-03-02-101010-production',
          '2021-07-28-175322-production',
          'stable',
          '2022-01-15-090000-production',
          'latest',
        ],
      )
      assert.equal(byName['team/app']![0]!.mediaType, MediaType.DOCKER_MANIFEST)
      assert.equal(byName['team/oci-tool']![0]!.created, '2023-05-01T08:00:00.123456789Z')
    })

    it('summarises an index: platforms, newest created, distinct blob bytes', async () => {
      const summary = await new Inventory(localSession().client({host: registry().host})).summarize(
        'base/multiarch',
        'bookworm',
      )
      const expected = buildMultiArch(
        ['2024-01-10T00:00:00Z', '2024-01-11T00:00:00Z', '2024-01-12T00:00:00Z'],
        'oci',
        'bookworm',
      )
      assert.equal(summary.digest, expected.digest)
      assert.deepEqual(
        summary.platforms?.map((p) => p.platform),
        ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'],
      )
      assert.equal(
        summary.totalSize,
        [...expected.blobs.values()].reduce((sum, blob) => sum + blob.length, 0),
      )
    })

    it('resolves every tag, showing tags that share a digest', async () => {
      const resolved = await new Inventory(localSession().client({host: registry().host})).resolveAll('team/app')
      const digestOf = (tag: string) => resolved.find((r) => r.tag === tag)!.digest
      assert.equal(digestOf('stable'), digestOf('2021-07-28-175322-production'))
      assert.notEqual(digestOf('latest'), digestOf('stable'))
      assert.ok(resolved.some((r) => r.tag === SAMPLE_NAKED_TAG))
    })
  })
})
