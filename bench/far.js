// Scripts and a far registry (issue 24): the registry behind a delay proxy (bench/delay-proxy.js,
// 20 ms of round-trip time, a round trip per new connection), and registryctl against curl sending
// the same requests with the same concurrency (8), measured in the same run:
//  - `resolve -` of 1,000 references (500 repositories x 2 tags), on loopback and at 20 ms;
//  - list-images of the 500 repositories at 20 ms;
//  - a cold `delete-tags REPO:'*' --dry-run` of a 400-tag repository at 20 ms, against curl sending
//    its requests in their dependency order: the tag list, every HEAD, every manifest, every
//    config, the delete probe (each a curl run: one waits for the one before).
import {execFileSync} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {buildImage} from '../dist/sandbox/images.js'
import {startRegistry} from '../dist/sandbox/registry-process.js'
import {StoreWriter} from '../dist/sandbox/store.js'
import {startDelayProxy} from './delay-proxy.js'
import {CLI, compare, timeProcess} from './lib.js'

const RTT_MS = 20
const REPOSITORIES = 500
const TAGS = 2
const DRY_RUN_TAGS = 400
const DRY_RUN_REPOSITORY = 'bench/far-dry-run'
const ACCEPT =
  'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json'

function buildFixture(root) {
  const writer = new StoreWriter(root)
  const images = Array.from({length: TAGS}, (_, j) =>
    buildImage({created: new Date(Date.UTC(2022, 0, 1 + j)).toISOString(), layers: ['far base', `far ${j}`]}),
  )
  const tagNames = images.map((_, j) => `release-${j}`)
  const names = Array.from({length: REPOSITORIES}, (_, i) => `far/team-${String(i).padStart(4, '0')}/app`)
  for (const name of names) for (const [j, image] of images.entries()) writer.image(name, [tagNames[j]], image)
  // The dry run's repository: DRY_RUN_TAGS distinct images, one tag each.
  const dryRun = []
  for (let k = 0; k < DRY_RUN_TAGS; k++) {
    const image = buildImage({
      created: new Date(Date.UTC(2020, 0, 1) + k * 60_000).toISOString(),
      layers: [`far dry run ${k}`],
    })
    const tag = `old-${String(k).padStart(4, '0')}`
    writer.image(DRY_RUN_REPOSITORY, [tag], image)
    dryRun.push({tag, digest: image.digest, config: JSON.parse(image.manifest.toString()).config.digest})
  }

  return {names, tagNames, digests: images.map((image) => image.digest), dryRun}
}

/** A curl config file: one entry per URL. */
function curlFile(path, urls) {
  writeFileSync(path, urls.map((url) => `url = "${url}"\noutput = "/dev/null"\n`).join(''))
  return path
}

export async function run({work, runs}) {
  const store = join(work, 'far-store')
  const fixture = buildFixture(store)
  const registry = await startRegistry({rootDirectory: store})
  const proxy = await startDelayProxy(registry.host, RTT_MS)
  const rows = []
  const curl = (args) =>
    timeProcess('curl', ['-sf', '--no-progress-meter', '--parallel', '--parallel-max', '8', ...args])
  let cacheRun = 0
  const cli = (args, input) =>
    timeProcess(process.execPath, [CLI, ...args], {input, env: {XDG_CACHE_HOME: join(work, `far-cache-${cacheRun++}`)}})
  try {
    // 1,000 references, repository by repository (as a script's list would be).
    const references = (host) =>
      fixture.names.flatMap((name) => fixture.tagNames.map((tag) => `http://${host}/${name}:${tag}`))
    const headUrls = (base) =>
      fixture.names.flatMap((name) => fixture.tagNames.map((tag) => `${base}/v2/${name}/manifests/${tag}`))

    // Once, untimed: 1,000 digest lines in input order, and a bad reference reported alone.
    const checked = references(registry.host)
    const bad = `http://${registry.host}/far/no-such-repository:release-0`
    const listed = [...checked.slice(0, 500), bad, ...checked.slice(500)]
    let output
    try {
      execFileSync(process.execPath, [CLI, 'resolve', '-', '--concurrency', '8'], {
        input: listed.join('\n'),
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      throw new Error('resolve - with a bad reference exited 0')
    } catch (error) {
      if (error.status !== 7) throw error
      output = error.stdout
      const stderr = error.stderr.trim().split('\n')
      if (stderr.length !== 1 || !stderr[0].includes(bad))
        throw new Error(`resolve -: unexpected stderr ${error.stderr}`)
    }

    const expected = checked.map((reference, i) => `${reference}\t${fixture.digests[i % TAGS]}`)
    if (output !== `${expected.join('\n')}\n`)
      throw new Error('resolve -: the 1,000 lines are not the digests in input order')
    console.log('far: resolve - printed 1,000 digest lines in input order; the bad reference was reported alone')

    for (const [where, host, base] of [
      ['loopback', registry.host, registry.url],
      [`${RTT_MS} ms RTT`, proxy.host, proxy.url],
    ]) {
      const input = `${references(host).join('\n')}\n`
      const heads = curlFile(join(work, `far-heads-${cacheRun}.curl`), headUrls(base))
      rows.push(
        compare(`resolve - (1,000 references), ${where}`, {
          candidate: () => cli(['resolve', '-', '--concurrency', '8'], input),
          baseline: () => curl(['-I', '-H', ACCEPT, '-K', heads]),
          runs,
          goal: {ratio: 1.3},
          baselineLabel: 'curl: the 1,000 HEADs, 8 at a time',
        }),
      )
    }

    const names = JSON.parse(
      execFileSync('curl', ['-sf', `${registry.url}/v2/_catalog?n=1000`], {encoding: 'utf8'}),
    ).repositories
    const tagLists = curlFile(
      join(work, 'far-tag-lists.curl'),
      names.map((name) => `${proxy.url}/v2/${name}/tags/list?n=1000`),
    )
    rows.push(
      compare(`list-images (${names.length} repositories), ${RTT_MS} ms RTT`, {
        candidate: () => cli(['list-images', `http://${proxy.host}`, '--concurrency', '8', '--no-cache']),
        baseline: () => curl([`${proxy.url}/v2/_catalog?n=1000`, '-o', '/dev/null', '-K', tagLists]),
        runs,
        goal: {ratio: 1.3},
        baselineLabel: 'curl: catalog + tag lists, 8 at a time',
      }),
    )

    const name = DRY_RUN_REPOSITORY
    const phase = (label, urls) => curlFile(join(work, `far-dry-${label}.curl`), urls)
    const dryHeads = phase(
      'heads',
      fixture.dryRun.map(({tag}) => `${proxy.url}/v2/${name}/manifests/${tag}`),
    )
    const dryManifests = phase(
      'manifests',
      fixture.dryRun.map(({digest}) => `${proxy.url}/v2/${name}/manifests/${digest}`),
    )
    const dryConfigs = phase(
      'configs',
      fixture.dryRun.map(({config}) => `${proxy.url}/v2/${name}/blobs/${config}`),
    )
    const probe = `${proxy.url}/v2/${name}/manifests/sha256:${'0'.repeat(64)}`
    rows.push(
      compare(`delete-tags REPO:'*' --dry-run (${DRY_RUN_TAGS} tags, cold), ${RTT_MS} ms RTT`, {
        candidate: () => cli(['delete-tags', `http://${proxy.host}/${name}:*`, '--dry-run', '--concurrency', '8']),
        baseline: () =>
          timeProcess('curl', ['-sf', '-o', '/dev/null', `${proxy.url}/v2/${name}/tags/list`]) +
          curl(['-I', '-H', ACCEPT, '-K', dryHeads]) +
          curl(['-H', ACCEPT, '-K', dryManifests]) +
          curl(['-K', dryConfigs]) +
          // 404: deletes enabled (curl -f would fail on it).
          timeProcess('curl', ['-s', '-o', '/dev/null', '-X', 'DELETE', probe]),
        runs,
        goal: {ratio: 1.3},
        baselineLabel: 'curl: list, HEADs, manifests, configs, probe',
      }),
    )
  } finally {
    proxy.stop()
    await registry.stop()
    rmSync(store, {recursive: true, force: true})
  }

  return rows
}
