/**
 * The homepage against the real registry and the sandbox's sample images: what it publishes, what a
 * rebuild costs on the wire (counted from the transport, per request), what it hides.
 */
import {strict as assert} from 'node:assert'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {SessionOptions} from '../../../src/lib/registry/client.js'
import {buildHomepage, type HomepageOptions} from '../../../src/lib/homepage/build.js'
import {RequestCounter} from '../../../src/lib/homepage/requests.js'
import {Inventory} from '../../../src/lib/registry/inventory.js'
import {buildImage} from '../../../src/sandbox/images.js'
import {pushImage} from '../../../src/sandbox/push.js'
import {SAMPLE_NAKED_TAG, seedSamples} from '../../../src/sandbox/seed.js'
import {type RunningRegistry, startRegistry} from '../../../src/sandbox/registry-process.js'
import {type RunningNginx, startNginx, USERS} from '../../helpers/nginx.js'
import {type RunningTokenServer, startTokenServer, tokenAuthOf} from '../../helpers/token-server.js'
import {localSession, useRegistry} from '../../helpers/registry.js'
import {useTempDir} from '../../helpers/tmp.js'

interface SiteIndex {
  repositories: Array<{name: string; tags: number; newest: {tag: string; created: string | null}}>
}
interface RepositoryData {
  name: string
  tags: Array<{
    tag: string
    digest: string
    created?: string
    size: number
    platforms?: Array<{platform: string}>
    pull: string
  }>
}

/** A build with its own sessions (anonymous and credentialed) and a count of the requests both sent. */
export async function build(
  host: string,
  options: Partial<HomepageOptions> & {out: string},
  session: SessionOptions = {},
) {
  const counter = new RequestCounter()
  const client = localSession({...session, debug: counter.sink()}).client({host})
  const anonymous = localSession({...session, explicit: undefined, debug: counter.sink()}).client({host})
  const result = await buildHomepage({client, anonymous, ...options})
  return {result, counts: counter.counts}
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T
}

describe('homepage build @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  const tmp = useTempDir('homepage-build')

  it('publishes every repository with its tags newest first, dates, digests, sizes and platforms, naked tags hidden', async () => {
    const out = join(tmp(), 'site')
    const {result, counts} = await build(registry().host, {out, pullHost: 'docker-registry.example.org'})
    assert.equal(result.repositories, 4)
    const index = await readJson<SiteIndex>(join(out, 'index.json'))
    assert.deepEqual(
      index.repositories.map((r) => [r.name, r.tags, r.newest.tag, r.newest.created]),
      [
        ['base/multiarch', 2, 'bookworm', '2024-01-12T00:00:00Z'],
        ['restricted/secret-app', 1, '1.0', '2024-06-01T00:00:00Z'],
        ['team/app', 5, '2022-01-15-090000-production', '2022-01-15T09:00:00Z'],
        ['team/oci-tool', 3, '1.1.0', '2023-09-12T08:00:00Z'],
      ],
    )
    const app = await readJson<RepositoryData>(join(out, 'r/team~app.json'))
    assert.deepEqual(
      app.tags.map((t) => t.tag),
      [
        '2022-01-15-090000-production',
        'latest',
        '2021-07-28-175322-production',
        'stable',
        '2021-03-02-101010-production',
      ],
    )
    // What inspect reports for the same image.
    const inventory = new Inventory(localSession().client({host: registry().host}))
    const multiarch = await readJson<RepositoryData>(join(out, 'r/base~multiarch.json'))
    const bookworm = await inventory.summarize('base/multiarch', 'bookworm')
    assert.deepEqual(multiarch.tags[0], {
      tag: 'bookworm',
      digest: bookworm.digest,
      mediaType: bookworm.mediaType,
      created: bookworm.created,
      size: bookworm.totalSize,
      platforms: bookworm.platforms!.map(({platform, digest, size}) => ({platform, digest, size})),
      pull: 'docker pull docker-registry.example.org/base/multiarch:bookworm',
    })
    assert.deepEqual(
      bookworm.platforms!.map((p) => p.platform),
      ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'],
    )
    // A full crawl: one GET of each distinct manifest (indexes and their children) and config.
    assert.equal(counts.catalog, 1)
    assert.equal(counts.tagLists, 4)
    assert.equal(counts.manifestHeads, 11)
    assert.ok(counts.manifestGets > 0 && counts.blobGets > 0)
  })

  it('rebuilds an unchanged registry with one tag list per repository and one HEAD per tag: no manifest or config GET', async () => {
    const out = join(tmp(), 'site')
    const before = await readFile(join(out, 'r/team~app.json'), 'utf8')
    const {result, counts} = await build(registry().host, {out, pullHost: 'docker-registry.example.org'})
    assert.deepEqual(
      {...counts, other: 0},
      {catalog: 1, tagLists: 4, manifestHeads: 11, manifestGets: 0, blobGets: 0, other: 0, retries: 0},
    )
    assert.equal(result.stats.changedTags, 0)
    assert.deepEqual(result.stats.summaries, {reused: 8, read: 0})
    const after = await readFile(join(out, 'r/team~app.json'), 'utf8')
    assert.equal(after.replace(/"generatedAt": "[^"]+"/, ''), before.replace(/"generatedAt": "[^"]+"/, ''))
  })

  it('reads only the image it has not seen when a tag moves and one appears', async () => {
    const out = join(tmp(), 'site')
    const image = buildImage({created: '2025-02-02T02:02:02Z', format: 'oci', layers: ['tool 2.0.0']})
    await pushImage(localSession().client({host: registry().host}), 'team/oci-tool', ['2.0.0', 'latest'], image)
    const {result, counts} = await build(registry().host, {out, pullHost: 'docker-registry.example.org'})
    assert.equal(counts.manifestHeads, 12)
    assert.equal(counts.manifestGets, 1)
    assert.equal(counts.blobGets, 1)
    assert.equal(result.stats.changedTags, 2)
    const tool = await readJson<RepositoryData>(join(out, 'r/team~oci-tool.json'))
    assert.deepEqual(
      tool.tags.map((t) => [t.tag, t.digest === image.digest]),
      [
        ['2.0.0', true],
        ['latest', true],
        ['1.1.0', false],
        ['1.0.0', false],
      ],
    )
  })

  it('hides --hide globs without reading them, and shows 40-hex tags only with allTags', async () => {
    const out = join(tmp(), 'hidden')
    const {result, counts} = await build(registry().host, {out, hide: ['team/*', 'nothing'], allTags: true})
    assert.deepEqual(result.stats.hidden.byGlob, ['team/app', 'team/oci-tool'])
    assert.equal(counts.tagLists, 2)
    assert.deepEqual(
      (await readJson<SiteIndex>(join(out, 'index.json'))).repositories.map((r) => r.name),
      ['base/multiarch', 'restricted/secret-app'],
    )
    const all = await build(registry().host, {out: join(tmp(), 'all'), allTags: true})
    const app = await readJson<RepositoryData>(join(tmp(), 'all', 'r/team~app.json'))
    assert.ok(app.tags.some((t) => t.tag === SAMPLE_NAKED_TAG))
    assert.equal(all.result.stats.hidden.restricted.length, 0)
  })

  describe('behind nginx, where restricted/ needs credentials to read', () => {
    let nginx: RunningNginx
    before(async () => {
      nginx = await startNginx(registry().host)
    })
    after(() => nginx?.stop())

    it('hides what anonymous users cannot read, even when the build has credentials, unless includeRestricted', async () => {
      const user = USERS.restrictedRead
      const session = {caFile: nginx.pki.caCert, explicit: {username: user.username, password: user.password}}
      const hidden = await build(nginx.host, {out: join(tmp(), 'public')}, session)
      assert.deepEqual(hidden.result.stats.hidden.restricted, ['restricted/secret-app'])
      const index = await readJson<SiteIndex>(join(tmp(), 'public', 'index.json'))
      assert.deepEqual(
        index.repositories.map((r) => r.name),
        ['base/multiarch', 'team/app', 'team/oci-tool'],
      )
      const html = await readFile(join(tmp(), 'public', 'index.html'), 'utf8')
      assert.ok(!html.includes('secret'), 'a restricted name on the page')
      const included = await build(nginx.host, {out: join(tmp(), 'internal'), includeRestricted: true}, session)
      assert.deepEqual(included.result.stats.hidden.restricted, [])
      const data = await readJson<RepositoryData>(join(tmp(), 'internal', 'r/restricted~secret-app.json'))
      assert.deepEqual(
        data.tags.map((t) => t.tag),
        ['1.0'],
      )
    })
  })

  describe('a private registry with Bearer token auth, where anonymous users read nothing', () => {
    const ADMIN = {username: 'admin', password: 'admin-pw'}
    let tokens: RunningTokenServer
    let secured: RunningRegistry
    before(async function () {
      this.timeout(60_000)
      tokens = await startTokenServer({
        [ADMIN.username]: {password: ADMIN.password, actions: ['pull', 'push'], catalog: true},
      })
      secured = await startRegistry({tokenAuth: tokenAuthOf(tokens)})
      await seedSamples(localSession({explicit: ADMIN}).client({host: secured.host}))
    })
    after(async () => {
      await secured?.stop()
      await tokens?.stop()
    })

    it('publishes nothing by default, and everything with includeRestricted and credentials', async () => {
      const closed = await build(secured.host, {out: join(tmp(), 'private-closed')}, {explicit: ADMIN})
      assert.equal(closed.result.repositories, 0)
      assert.deepEqual(closed.result.stats.hidden.restricted, [
        'base/multiarch',
        'restricted/secret-app',
        'team/app',
        'team/oci-tool',
      ])
      assert.match(await readFile(join(tmp(), 'private-closed', 'index.html'), 'utf8'), /No repository is published\./)
      const open = await build(
        secured.host,
        {out: join(tmp(), 'private-open'), includeRestricted: true},
        {explicit: ADMIN},
      )
      assert.equal(open.result.repositories, 4)
      assert.equal(open.result.tags, 11)
      assert.ok(
        tokens.requests.some((request) => request.user === undefined),
        'the anonymous client asked for a token without credentials',
      )
    })
  })
})
