// How the figures grow: listing, a 100k-tag repository and gc status, each at three sizes, as ratios
// against curl or the registry's own collector, one run each (after a warm-up), all in one bench run.
// The slowest last (the 100k-tag repository). Sizes: --growth-repositories 500,2000,5000 --growth-tags 10000,30000,100000 --growth-blobs 10000,30000,100000.
import {execFileSync} from 'node:child_process'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {buildImage} from '../dist/sandbox/images.js'
import {startRegistry} from '../dist/sandbox/registry-process.js'
import {StoreWriter} from '../dist/sandbox/store.js'
import {CLI, compare, timeProcess} from './lib.js'

/** list-images by name over `repositories` repositories of one tag, against curl's catalog pages and tag lists. */
async function listing(work, repositories) {
  const store = join(work, `growth-store-${repositories}`)
  const writer = new StoreWriter(store)
  const image = buildImage({created: '2022-01-01T00:00:00Z', layers: ['growth']})
  const names = Array.from({length: repositories}, (_, i) => `growth/team-${String(i).padStart(5, '0')}/app`)
  for (const name of names) writer.image(name, ['latest'], image)
  const registry = await startRegistry({rootDirectory: store})
  try {
    const sorted = JSON.parse(
      execFileSync('curl', ['-sf', `${registry.url}/v2/_catalog?n=1000`], {encoding: 'utf8'}),
    ).repositories
    if (sorted[0] !== names[0]) throw new Error('unexpected catalog order')
    // The catalog's pages (distribution answers 1,000 at most), then every tag list, 8 at a time.
    const pages = Array.from({length: Math.ceil(repositories / 1000) + (repositories % 1000 === 0 ? 1 : 0)}, (_, k) =>
      k === 0 ? `${registry.url}/v2/_catalog?n=1000` : `${registry.url}/v2/_catalog?n=1000&last=${names[k * 1000 - 1]}`,
    )
    const file = join(work, `growth-${repositories}.curl`)
    writeFileSync(
      file,
      names.map((name) => `url = "${registry.url}/v2/${name}/tags/list?n=1000"\noutput = "/dev/null"\n`).join(''),
    )
    return compare(`list-images, ${repositories} repositories`, {
      candidate: () =>
        timeProcess(process.execPath, [CLI, 'list-images', registry.host, '--concurrency', '8', '--no-cache']),
      baseline: () =>
        pages.reduce((sum, page) => sum + timeProcess('curl', ['-sf', '-o', '/dev/null', page]), 0) +
        timeProcess('curl', ['-sf', '--no-progress-meter', '--parallel', '--parallel-max', '8', '-K', file]),
      runs: 1,
      goal: {},
      baselineLabel: 'curl: catalog pages + tag lists',
    })
  } finally {
    await registry.stop()
    rmSync(store, {recursive: true, force: true})
  }
}

const sizes = (text) => text.split(',').map(Number)

export async function run({work, growth}) {
  const rows = []
  for (const repositories of sizes(growth.repositories)) rows.push(await listing(work, repositories))
  const {run: gc} = await import('./gc.js')
  for (const blobs of sizes(growth.blobs)) {
    const dir = join(work, `growth-gc-${blobs}`)
    mkdirSync(dir)
    const measured = await gc({work: dir, runs: 1, gcBlobs: blobs})
    rows.push(...measured.map((row) => ({...row, goal: '-', met: true})))
    rmSync(dir, {recursive: true, force: true})
  }

  const {run: bigTags} = await import('./tags-100k.js')
  for (const tags of sizes(growth.tags)) {
    const dir = join(work, `growth-tags-${tags}`)
    mkdirSync(dir)
    const measured = await bigTags({work: dir, runs: 1, bigTags: tags})
    rows.push(...measured.map((row) => ({...row, goal: '-', met: true})))
    rmSync(dir, {recursive: true, force: true})
  }

  return rows
}
