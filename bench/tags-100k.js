// One repository with TAGS_100K tags (default 100,000) over a tenth as many images (ten tags per
// image, as CI promotions leave them): `list-tags` (by date, its default) and a `delete-tags --dry-run`
// selecting 1,000 tags, each against curl HEADing every tag, and their peak memory.
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {buildImage} from '../dist/sandbox/images.js'
import {startRegistry} from '../dist/sandbox/registry-process.js'
import {StoreWriter} from '../dist/sandbox/store.js'
import {CLI, compare, compareWithFloor, floorScript, memoryRow, peakMemoryMb, timeProcess} from './lib.js'

const NAME = 'big/app'
const TAGS_PER_IMAGE = 10
const ACCEPT =
  'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json'
const tagName = (i) => `build-${String(i).padStart(6, '0')}`

export async function run({work, runs, bigTags}) {
  const store = join(work, 'big-store')
  const started = Date.now()
  const writer = new StoreWriter(store)
  for (let i = 0; i < bigTags / TAGS_PER_IMAGE; i++) {
    const image = buildImage({created: new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString(), layers: [`big ${i}`]})
    const tags = Array.from({length: TAGS_PER_IMAGE}, (_, k) => tagName(k * (bigTags / TAGS_PER_IMAGE) + i))
    writer.image(NAME, tags, image)
  }

  console.log(
    `100k fixture: ${bigTags} tags over ${bigTags / TAGS_PER_IMAGE} images written in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
  const registry = await startRegistry({rootDirectory: store})
  const rows = []
  try {
    const heads = join(work, 'big-heads.curl')
    writeFileSync(
      heads,
      Array.from(
        {length: bigTags},
        (_, i) => `url = "${registry.url}/v2/${NAME}/manifests/${tagName(i)}"\noutput = "/dev/null"\n`,
      ).join(''),
    )
    // curl applies -I to every URL of an invocation: the tag list, then the HEADs.
    const curlHeads = () =>
      timeProcess('curl', ['-sf', `${registry.url}/v2/${NAME}/tags/list`, '-o', '/dev/null']) +
      timeProcess('curl', [
        '-sf',
        '--no-progress-meter',
        '--parallel',
        '--parallel-max',
        '8',
        '-I',
        '-H',
        ACCEPT,
        '-K',
        heads,
      ])
    const bigRuns = Math.min(runs, 3)
    let cacheRun = 0
    const env = () => ({XDG_CACHE_HOME: join(work, `big-cache-${cacheRun++}`)})
    const listTags = [CLI, 'list-tags', `${registry.host}/${NAME}`, '--concurrency', '8']
    // 1,000 tags: build-000000 … build-000999; their images carry nine unselected siblings each.
    const dryRun = [CLI, 'delete-tags', `${registry.host}/${NAME}:build-000*`, '--dry-run', '--concurrency', '8']
    rows.push(
      ...compareWithFloor(`list-tags, ${bigTags} tags (by date), cold cache`, {
        candidate: () => timeProcess(process.execPath, listTags, {env: env()}),
        baseline: curlHeads,
        floor: () => timeProcess(process.execPath, [floorScript('heads'), registry.url, NAME]),
        runs: bigRuns,
        goal: {ratio: 1.3},
        baselineLabel: 'curl: tag list + HEAD every tag',
      }),
      compare(`delete-tags --dry-run of 1000 of ${bigTags} tags`, {
        candidate: () => timeProcess(process.execPath, dryRun, {env: env(), expect: 0}),
        baseline: curlHeads,
        runs: bigRuns,
        goal: {ratio: 1.3},
        baselineLabel: 'curl: tag list + HEAD every tag',
      }),
      memoryRow(`list-tags, ${bigTags} tags: peak RSS`, peakMemoryMb(process.execPath, listTags, {env: env()}), {
        maxMb: 250,
      }),
      memoryRow(`delete-tags --dry-run of 1000: peak RSS`, peakMemoryMb(process.execPath, dryRun, {env: env()}), {
        maxMb: 250,
      }),
    )
  } finally {
    await registry.stop()
    rmSync(store, {recursive: true, force: true})
  }

  return rows
}
