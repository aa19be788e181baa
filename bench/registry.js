// Benchmarks against one registry: a fixture of REPOSITORIES x TAGS (distinct images, each tagged in
// every repository), deletion repositories of 400 tags, a smoke suite; each figure against curl (or
// `node -e 0` for start-up) measured in the same run.
import {execFileSync} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {buildImage} from '../dist/sandbox/images.js'
import {startRegistry} from '../dist/sandbox/registry-process.js'
import {StoreWriter} from '../dist/sandbox/store.js'
import {CLI, compare, compareWithFloor, floorScript, row, timeProcess} from './lib.js'

const DELETE_TAGS = 400
const SMOKE_CASES = 200
const ACCEPT =
  'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json'
const deleteRepository = (who, run) => `bench/delete-${who}-${run}`

function buildFixture(root, {repositories, tags, runs}) {
  const writer = new StoreWriter(root)
  const deleteDigests = new Map()
  // One repository of DELETE_TAGS distinct images per timed deletion run (and warm-up), per side.
  for (const who of ['registryctl', 'curl']) {
    for (let run = 0; run <= runs; run++) {
      const name = deleteRepository(who, run)
      const digests = []
      for (let k = 0; k < DELETE_TAGS; k++) {
        const image = buildImage({
          created: new Date(Date.UTC(2020, 0, 1) + k * 60_000).toISOString(),
          layers: [`${name} ${k}`],
        })
        writer.image(name, [`old-${String(k).padStart(4, '0')}`], image)
        digests.push([
          `old-${String(k).padStart(4, '0')}`,
          image.digest,
          JSON.parse(image.manifest.toString()).config.digest,
        ])
      }

      deleteDigests.set(name, digests)
    }
  }

  // `tags` distinct images, each tagged once in every repository.
  const images = Array.from({length: tags}, (_, j) =>
    buildImage({
      created: new Date(Date.UTC(2021, 0, 1) + j * 86_400_000).toISOString(),
      layers: ['shared base', `layer ${j}`],
    }),
  )
  const tagNames = images.map((_, j) => `2021-${String(j).padStart(3, '0')}-production`)
  const names = Array.from({length: repositories}, (_, i) => `bench/team-${String(i).padStart(4, '0')}/app`)
  for (const name of names) for (let j = 0; j < tags; j++) writer.image(name, [tagNames[j]], images[j])
  const configs = images.map((image) => JSON.parse(image.manifest.toString()).config.digest)
  return {deleteDigests, names, tagNames, configs}
}

/** A curl config file: one entry per URL, written to `path`. */
function curlFile(path, urls, extra = '') {
  writeFileSync(path, urls.map((url) => `url = "${url}"\noutput = "/dev/null"\n${extra}`).join(''))
  return path
}

export async function run({work, runs, repositories, tags}) {
  const store = join(work, 'store')
  const started = Date.now()
  const fixture = buildFixture(store, {repositories, tags, runs})
  console.log(
    `registry fixture: ${repositories} repositories x ${tags} tags written in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
  const registry = await startRegistry({rootDirectory: store})
  const rows = []
  const curl = (args) =>
    timeProcess('curl', ['-sf', '--no-progress-meter', '--parallel', '--parallel-max', '8', ...args])
  try {
    const base = registry.url
    const names = JSON.parse(
      execFileSync('curl', ['-sf', `${base}/v2/_catalog?n=1000`], {encoding: 'utf8'}),
    ).repositories
    if (names.length !== repositories + 2 * (runs + 1))
      throw new Error(`catalog has ${names.length} repositories, expected ${repositories + 2 * (runs + 1)}`)
    const tagLists = curlFile(
      join(work, 'tag-lists.curl'),
      names.map((name) => `${base}/v2/${name}/tags/list?n=1000`),
    )
    const catalog = `${base}/v2/_catalog?n=1000`
    // The floor: the catalog, then every tag list, 8 at a time over keep-alive.
    const floor = () => curl([catalog, '-o', '/dev/null', '-K', tagLists])
    // Each run of registryctl with its own cache folder unless a benchmark shares one.
    let cacheRun = 0
    const cli = (args, cache) =>
      timeProcess(process.execPath, [CLI, ...args], {env: {XDG_CACHE_HOME: cache ?? join(work, `cache-${cacheRun++}`)}})

    rows.push(
      ...compareWithFloor(`list-images (default: by name, ${names.length} repositories)`, {
        candidate: () => cli(['list-images', registry.host, '--concurrency', '8', '--no-cache']),
        baseline: floor,
        floor: () => timeProcess(process.execPath, [floorScript('list'), base]),
        runs,
        goal: {ratio: 1.5},
        baselineLabel: 'curl: catalog + tag lists',
      }),
    )

    // --sort created asks, per tag, for its manifest by tag, and per image once for its config (the
    // deletion repositories' tags too).
    const tagManifests = curlFile(join(work, 'by-date.curl'), [
      ...fixture.names.flatMap((name) => fixture.tagNames.map((tag) => `${base}/v2/${name}/manifests/${tag}`)),
      ...fixture.configs.map((digest) => `${base}/v2/${fixture.names[0]}/blobs/${digest}`),
      ...[...fixture.deleteDigests.entries()].flatMap(([name, digests]) =>
        digests.flatMap(([tag, , config]) => [
          `${base}/v2/${name}/manifests/${tag}`,
          `${base}/v2/${name}/blobs/${config}`,
        ]),
      ),
    ])
    const deletionTags = [...fixture.deleteDigests.entries()].flatMap(([name, digests]) =>
      digests.map(([tag]) => `${base}/v2/${name}/manifests/${tag}`),
    )
    rows.push(
      compare('list-images --sort created, cold cache', {
        candidate: () => cli(['list-images', registry.host, '--sort', 'created', '--concurrency', '8']),
        // The same requests: catalog, tag lists, every tag's manifest, each image's config (the
        // deletion repositories' images are distinct: their manifests and configs, by tag, alike).
        baseline: () => curl([catalog, '-o', '/dev/null', '-H', ACCEPT, '-K', tagLists, '-K', tagManifests]),
        runs,
        goal: {ratio: 1.3},
        baselineLabel: 'curl: the same requests',
      }),
    )
    const warm = join(work, 'warm-cache')
    const heads = curlFile(join(work, 'heads.curl'), [
      ...fixture.names.flatMap((name) => fixture.tagNames.map((tag) => `${base}/v2/${name}/manifests/${tag}`)),
      ...deletionTags,
    ])
    rows.push(
      compare('list-images --sort created, warm cache', {
        candidate: () => cli(['list-images', registry.host, '--sort', 'created', '--concurrency', '8'], warm),
        // curl applies -I to every URL of an invocation: the lists, then the HEADs.
        baseline: () => floor() + curl(['-I', '-H', ACCEPT, '-K', heads]),
        runs,
        goal: {ratio: 2},
        baselineLabel: 'curl: catalog + tag lists + HEADs',
      }),
    )

    const node0 = () => timeProcess(process.execPath, ['-e', '0'])
    rows.push(
      compare('resolve IMAGE:TAG', {
        candidate: () => cli(['resolve', `${registry.host}/${fixture.names[0]}:${fixture.tagNames[0]}`]),
        baseline: node0,
        runs: runs * 2,
        goal: {plusMs: 100},
        baselineLabel: 'node -e 0',
      }),
      compare('--help', {
        candidate: () => cli(['--help']),
        baseline: node0,
        runs: runs * 2,
        goal: {plusMs: 60},
        baselineLabel: 'node -e 0',
      }),
      compare('--version', {
        candidate: () => cli(['--version']),
        baseline: node0,
        runs: runs * 2,
        goal: {plusMs: 60},
        baselineLabel: 'node -e 0',
      }),
    )

    rows.push(
      compare(`delete-tags --yes (${DELETE_TAGS} tags)`, {
        candidate: (run) =>
          cli([
            'delete-tags',
            `${registry.host}/${deleteRepository('registryctl', run)}:old-*`,
            '--yes',
            '--concurrency',
            '8',
          ]),
        baseline: (run) => {
          const name = deleteRepository('curl', run)
          const digests = fixture.deleteDigests.get(name)
          const headFile = curlFile(
            join(work, `delete-head-${run}.curl`),
            digests.map(([tag]) => `${base}/v2/${name}/manifests/${tag}`),
          )
          const deleteFile = curlFile(
            join(work, `delete-${run}.curl`),
            digests.map(([, digest]) => `${base}/v2/${name}/manifests/${digest}`),
          )
          return curl(['-I', '-H', ACCEPT, '-K', headFile]) + curl(['-X', 'DELETE', '-K', deleteFile])
        },
        runs,
        goal: {ratio: 1.8},
        baselineLabel: 'curl: HEAD + DELETE per tag',
      }),
    )

    // A smoke suite of SMOKE_CASES cases on one node, run in order as httpbb runs them, against curl
    // sending the same requests in order over one keep-alive connection with the same Host header.
    const smokeNames = names.slice(0, SMOKE_CASES)
    const suite = join(work, 'smoke.yaml')
    writeFileSync(
      suite,
      `http://registry.bench:\n${smokeNames.map((name) => `- path: /v2/${name}/tags/list\n  assert_status: 200\n  assert_body_contains: '"tags"'\n`).join('')}`,
    )
    const smokeUrls = curlFile(
      join(work, 'smoke.curl'),
      smokeNames.map((name) => `${base}/v2/${name}/tags/list`),
    )
    rows.push(
      ...compareWithFloor(`smoke FILE (${smokeNames.length} cases, one host)`, {
        candidate: () => cli(['smoke', suite, '--hosts', '127.0.0.1', '--http-port', String(registry.port)]),
        baseline: () => timeProcess('curl', ['-sf', '-H', 'Host: registry.bench', '-K', smokeUrls]),
        floor: () =>
          timeProcess(process.execPath, [
            floorScript('sequence'),
            base,
            'registry.bench',
            ...smokeNames.map((name) => `/v2/${name}/tags/list`),
          ]),
        runs,
        goal: {ratio: 2},
        baselineLabel: 'curl: the same requests, in order',
      }),
    )

    // cleanup --dry-run with a keep-N rule over the repositories of the fixture (bench/cleanup.js).
    const {benchCleanup} = await import('./cleanup.js')
    rows.push(
      await benchCleanup({
        registry,
        work,
        cli: CLI,
        names: names.filter((name) => name.startsWith('bench/team-')),
        compare: (label, candidate, baseline) =>
          compare(label, {candidate, baseline, runs, goal: {ratio: 2}, baselineLabel: 'curl: the same requests'}),
        timeProcess,
      }),
    )

    // homepage: a full build and a rebuild of the unchanged store, one run, with requests (bench/homepage.js).
    const {benchHomepage} = await import('./homepage.js')
    const homepage = benchHomepage({registry, work, runs: 1, hide: ['bench/delete-*']})
    rows.push(
      ...homepage.results.map((result) =>
        row(result.label, result.candidateMs, result.baselineMs, {}, 'curl: catalog + tag lists + HEADs'),
      ),
    )
    for (const line of homepage.lines) console.log(line)
  } finally {
    await registry.stop()
    rmSync(store, {recursive: true, force: true})
  }

  return rows
}
