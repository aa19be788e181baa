#!/usr/bin/env node
// registryctl benchmarks. Every figure is a ratio against a baseline measured in the same run:
//   list-images --sort name  vs  curl --parallel --parallel-max 8 sending the same requests
//   delete-tags --yes (400)  vs  curl --parallel --parallel-max 8 sending the HEAD + DELETE per tag
//   gc status --storage      vs  docker-registry garbage-collect --dry-run, on a ~100,000-blob store
//   --version                vs  node -e 0
//   cleanup --dry-run keep-N vs  curl sending the same requests (bench/cleanup.js)
//   homepage full build and unchanged rebuild  vs  curl sending a rebuild's requests (bench/homepage.js)
//   gc status --config on Swift/S3 (>= 20,000 objects) vs garbage-collect --dry-run (bench/gc-object-stores.js)
// Usage: npm run bench [-- --repositories 500 --tags 40 --runs 5]
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {buildImage} from '../dist/sandbox/images.js'
import {startRegistry} from '../dist/sandbox/registry-process.js'
import {StoreWriter} from '../dist/sandbox/store.js'
import {benchCleanup} from './cleanup.js'
import {benchHomepage} from './homepage.js'
import {runObjectStoreBench} from './gc-object-stores.js'

const {values} = parseArgs({
  options: {
    repositories: {type: 'string', default: '500'},
    tags: {type: 'string', default: '40'},
    runs: {type: 'string', default: '5'},
    'gc-blobs': {type: 'string', default: '100000'},
    'gc-objects': {type: 'string', default: '20000'},
  },
})
const REPOSITORIES = Number(values.repositories)
const TAGS = Number(values.tags)
const RUNS = Number(values.runs)
const GC_IMAGES = Math.ceil(Number(values['gc-blobs']) / 3) // manifest, config and layer per image
const CLI = fileURLToPath(new URL('../bin/run.js', import.meta.url))

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Wall time of a whole process, in ms; fails loudly if the process fails. */
function timeProcess(command, args) {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, args, {stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26})
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed (${result.status}): ${result.stderr}`)
  return elapsed
}

/**
 * Alternate the two so that drift on the machine hits both alike; one warm-up run each. Each call
 * gets its run number (0 is the warm-up), for benchmarks that consume their fixture.
 */
function compare(label, candidate, baseline) {
  candidate(0)
  baseline(0)
  const a = []
  const b = []
  for (let i = 1; i <= RUNS; i++) {
    a.push(candidate(i))
    b.push(baseline(i))
  }

  const ratio = median(a) / median(b)
  return {label, candidateMs: median(a), baselineMs: median(b), ratio}
}

/** Peak resident memory of a process in MB, from GNU time. */
function peakMemoryMb(command, args) {
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26})
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr.slice(-500)}`)
  return Number(result.stderr.trim().split('\n').at(-1)) / 1024
}

/** A store for the collector: GC_IMAGES images in 100 repositories, a third of them untagged. */
function buildGcStore(root) {
  const writer = new StoreWriter(root)
  for (let i = 0; i < GC_IMAGES; i++) {
    const name = `gc/repo-${String(i % 100).padStart(3, '0')}`
    const image = buildImage({created: new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString(), layers: [`gc layer ${i}`]})
    if (i % 3 === 0) writer.manifest(name, image)
    else writer.image(name, [`t${i}`], image)
  }
}

const DELETE_TAGS = 400
const SMOKE_CASES = 200
const deleteRepository = (who, run) => `bench/delete-${who}-${run}`
/** Digest of each tag of each deletion repository, for the curl baseline. */
const deleteDigests = new Map()

async function buildFixture(root) {
  const writer = new StoreWriter(root)
  // One repository of DELETE_TAGS distinct images per timed deletion run (and warm-up), per side.
  for (const who of ['registryctl', 'curl']) {
    for (let run = 0; run <= RUNS; run++) {
      const name = deleteRepository(who, run)
      const digests = []
      for (let k = 0; k < DELETE_TAGS; k++) {
        const image = buildImage({created: new Date(Date.UTC(2020, 0, 1) + k * 60_000).toISOString(), layers: [`${name} ${k}`]})
        writer.image(name, [`old-${String(k).padStart(4, '0')}`], image)
        digests.push([`old-${String(k).padStart(4, '0')}`, image.digest])
      }

      deleteDigests.set(name, digests)
    }
  }

  // TAGS distinct images, each tagged once in every repository.
  const images = Array.from({length: TAGS}, (_, j) =>
    buildImage({created: new Date(Date.UTC(2021, 0, 1) + j * 86_400_000).toISOString(), layers: ['shared base', `layer ${j}`]}),
  )
  for (let i = 0; i < REPOSITORIES; i++) {
    const name = `bench/team-${String(i).padStart(4, '0')}/app`
    for (let j = 0; j < TAGS; j++) writer.image(name, [`2021-${String(j).padStart(3, '0')}-production`], images[j])
  }
}

// tmpfs when there is one: the fixture is ~100,000 tiny files, and disk metadata is slow here.
const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'registryctl-bench-'))
const store = join(work, 'store')
const started = Date.now()
await buildFixture(store)
console.log(`fixture: ${REPOSITORIES} repositories x ${TAGS} tags written in ${((Date.now() - started) / 1000).toFixed(1)} s`)
const registry = await startRegistry({rootDirectory: store})
const results = []
const notes = []
try {
  const base = registry.url
  const names = JSON.parse(execFileSync('curl', ['-sf', `${base}/v2/_catalog?n=1000`], {encoding: 'utf8'})).repositories
  if (names.length !== REPOSITORIES + 2 * (RUNS + 1)) throw new Error(`catalog has ${names.length} repositories, expected ${REPOSITORIES + 2 * (RUNS + 1)}`)
  const urls = join(work, 'tag-lists.curl')
  writeFileSync(urls, names.map((name) => `url = "${base}/v2/${name}/tags/list?n=1000"\noutput = "/dev/null"\n`).join(''))

  results.push(
    compare(
      `list-images --sort name (${names.length} repositories)`,
      () => timeProcess(process.execPath, [CLI, 'list-images', registry.host, '--sort', 'name', '--concurrency', '8']),
      // The same requests: the catalog page, then every tag list, 8 at a time over keep-alive.
      () => timeProcess('sh', ['-c', `curl -sf '${base}/v2/_catalog?n=1000' -o /dev/null && curl -sf --parallel --parallel-max 8 -K '${urls}'`]),
    ),
  )
  results.push(
    compare(
      `delete-tags --yes (${DELETE_TAGS} tags)`,
      (run) => timeProcess(process.execPath, [CLI, 'delete-tags', `${registry.host}/${deleteRepository('registryctl', run)}:old-*`, '--yes', '--concurrency', '8']),
      (run) => {
        const name = deleteRepository('curl', run)
        const file = join(work, `delete-${run}.curl`)
        const head = deleteDigests.get(name).map(([tag]) => `url = "${base}/v2/${name}/manifests/${tag}"\nhead\noutput = "/dev/null"\n`)
        const del = deleteDigests.get(name).map(([, digest]) => `url = "${base}/v2/${name}/manifests/${digest}"\nrequest = "DELETE"\noutput = "/dev/null"\n`)
        writeFileSync(file, [...head, ...del].join(''))
        return timeProcess('curl', ['-s', '--parallel', '--parallel-max', '8', '-K', file])
      },
    ),
  )
  // A smoke suite of SMOKE_CASES cases on one node, run in order as httpbb runs them, against curl
  // sending the same requests in order over one keep-alive connection with the same Host header.
  const smokeNames = names.slice(0, SMOKE_CASES)
  const suite = join(work, 'smoke.yaml')
  writeFileSync(suite, `http://registry.bench:\n${smokeNames.map((name) => `- path: /v2/${name}/tags/list\n  assert_status: 200\n  assert_body_contains: '"tags"'\n`).join('')}`)
  const smokeUrls = join(work, 'smoke.curl')
  writeFileSync(smokeUrls, `header = "Host: registry.bench"\n${smokeNames.map((name) => `url = "${base}/v2/${name}/tags/list"\noutput = "/dev/null"\n`).join('')}`)
  results.push(
    compare(
      `smoke FILE (${smokeNames.length} cases, one host)`,
      () => timeProcess(process.execPath, [CLI, 'smoke', suite, '--hosts', '127.0.0.1', '--http-port', String(registry.port)]),
      () => timeProcess('curl', ['-sf', '-K', smokeUrls]),
    ),
  )
  results.push(
    compare(
      '--version (cold start)',
      () => timeProcess(process.execPath, [CLI, '--version']),
      () => timeProcess(process.execPath, ['-e', '0']),
    ),
  )
  results.push(await benchCleanup({registry, work, cli: CLI, names: names.filter((name) => name.startsWith('bench/team-')), compare, timeProcess}))
  // homepage: a full build and a rebuild of the unchanged store, one run, with requests (bench/homepage.js).
  const homepage = benchHomepage({registry, work, runs: 1, hide: ['bench/delete-*']})
  results.push(...homepage.results)
  notes.push(...homepage.lines)
} finally {
  await registry.stop()
}

// The collector's bench needs no running registry: both read the store.
const gcRoot = join(work, 'gc-store')
let gcStarted = Date.now()
buildGcStore(gcRoot)
const gcConfig = join(work, 'gc-config.yml')
writeFileSync(gcConfig, JSON.stringify({version: 0.1, log: {level: 'error'}, storage: {filesystem: {rootdirectory: gcRoot}, delete: {enabled: true}}}))
console.log(`gc fixture: ${GC_IMAGES * 3} blobs written in ${((Date.now() - gcStarted) / 1000).toFixed(1)} s`)
const gcRuns = Math.min(RUNS, 3)
const gcResult = (() => {
  const a = []
  const b = []
  for (let i = 0; i < gcRuns; i++) {
    a.push(timeProcess(process.execPath, [CLI, 'gc', 'status', '--storage', gcRoot, '--json']))
    b.push(timeProcess('docker-registry', ['garbage-collect', '--dry-run', gcConfig]))
  }

  return {label: `gc status --storage (${GC_IMAGES * 3} blobs)`, candidateMs: median(a), baselineMs: median(b), ratio: median(a) / median(b)}
})()
results.push(gcResult)
const rss = {ours: peakMemoryMb(process.execPath, [CLI, 'gc', 'status', '--storage', gcRoot, '--json']), theirs: peakMemoryMb('docker-registry', ['garbage-collect', '--dry-run', gcConfig])}
rmSync(work, {recursive: true, force: true})

console.log(`\nmedian of ${RUNS} runs each, after one warm-up run; ratio = registryctl / baseline`)
console.log('benchmark'.padEnd(44), 'registryctl'.padStart(12), 'baseline'.padStart(10), 'ratio'.padStart(7))
for (const r of results) {
  console.log(r.label.padEnd(44), `${r.candidateMs.toFixed(0)} ms`.padStart(12), `${r.baselineMs.toFixed(0)} ms`.padStart(10), `${r.ratio.toFixed(2)}x`.padStart(7))
}

for (const note of notes) console.log(note)
console.log(`gc status peak memory: ${rss.ours.toFixed(0)} MB (the registry's own collector: ${rss.theirs.toFixed(0)} MB, ratio ${(rss.ours / rss.theirs).toFixed(2)}x); gc runs: ${gcRuns}`)

// gc status on Swift and S3 (bench/gc-object-stores.js): its own lines, one run per driver.
if (Number(values['gc-objects']) > 0) await runObjectStoreBench({objects: Number(values['gc-objects'])})
