#!/usr/bin/env node
// registryctl benchmarks. Every figure is a ratio against a baseline measured in the same run:
//   list-images --sort name  vs  curl --parallel --parallel-max 8 sending the same requests
//   --version                vs  node -e 0
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

const {values} = parseArgs({
  options: {repositories: {type: 'string', default: '500'}, tags: {type: 'string', default: '40'}, runs: {type: 'string', default: '5'}},
})
const REPOSITORIES = Number(values.repositories)
const TAGS = Number(values.tags)
const RUNS = Number(values.runs)
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

/** Alternate the two so that drift on the machine hits both alike; one warm-up run each. */
function compare(label, candidate, baseline) {
  candidate()
  baseline()
  const a = []
  const b = []
  for (let i = 0; i < RUNS; i++) {
    a.push(candidate())
    b.push(baseline())
  }

  const ratio = median(a) / median(b)
  return {label, candidateMs: median(a), baselineMs: median(b), ratio}
}

async function buildFixture(root) {
  const writer = new StoreWriter(root)
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
try {
  const base = registry.url
  const names = JSON.parse(execFileSync('curl', ['-sf', `${base}/v2/_catalog?n=1000`], {encoding: 'utf8'})).repositories
  if (names.length !== REPOSITORIES) throw new Error(`catalog has ${names.length} repositories, expected ${REPOSITORIES}`)
  const urls = join(work, 'tag-lists.curl')
  writeFileSync(urls, names.map((name) => `url = "${base}/v2/${name}/tags/list?n=1000"\noutput = "/dev/null"\n`).join(''))

  results.push(
    compare(
      `list-images --sort name (${REPOSITORIES} x ${TAGS})`,
      () => timeProcess(process.execPath, [CLI, 'list-images', registry.host, '--sort', 'name', '--concurrency', '8']),
      // The same requests: the catalog page, then every tag list, 8 at a time over keep-alive.
      () => timeProcess('sh', ['-c', `curl -sf '${base}/v2/_catalog?n=1000' -o /dev/null && curl -sf --parallel --parallel-max 8 -K '${urls}'`]),
    ),
  )
  results.push(
    compare(
      '--version (cold start)',
      () => timeProcess(process.execPath, [CLI, '--version']),
      () => timeProcess(process.execPath, ['-e', '0']),
    ),
  )
} finally {
  await registry.stop()
  rmSync(work, {recursive: true, force: true})
}

console.log(`\nmedian of ${RUNS} runs each, after one warm-up run; ratio = registryctl / baseline`)
console.log('benchmark'.padEnd(44), 'registryctl'.padStart(12), 'baseline'.padStart(10), 'ratio'.padStart(7))
for (const r of results) {
  console.log(r.label.padEnd(44), `${r.candidateMs.toFixed(0)} ms`.padStart(12), `${r.baselineMs.toFixed(0)} ms`.padStart(10), `${r.ratio.toFixed(2)}x`.padStart(7))
}
