// gc status --storage on a store of about GC_BLOBS blobs against the registry's own
// `garbage-collect --dry-run` on the same store (time and peak memory). No registry runs: both read
// the store.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {buildImage} from '../dist/sandbox/images.js'
import {StoreWriter} from '../dist/sandbox/store.js'
import {CLI, median, memoryRow, row, timeAndPeakMemory} from './lib.js'

/** A store for the collector: `images` images in 100 repositories, a third of them untagged. */
function buildGcStore(root, images) {
  const writer = new StoreWriter(root)
  for (let i = 0; i < images; i++) {
    const name = `gc/repo-${String(i % 100).padStart(3, '0')}`
    const image = buildImage({
      created: new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString(),
      layers: [`gc layer ${i}`],
    })
    if (i % 3 === 0) writer.manifest(name, image)
    else writer.image(name, [`t${i}`], image)
  }
}

export async function run({work, runs, gcBlobs}) {
  const images = Math.ceil(gcBlobs / 3) // manifest, config and layer per image
  const gcRoot = join(work, 'gc-store')
  const started = Date.now()
  buildGcStore(gcRoot, images)
  const gcConfig = join(work, 'gc-config.yml')
  writeFileSync(
    gcConfig,
    JSON.stringify({
      version: 0.1,
      log: {level: 'error'},
      storage: {filesystem: {rootdirectory: gcRoot}, delete: {enabled: true}},
    }),
  )
  console.log(`gc fixture: ${images * 3} blobs written in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const gcRuns = Math.min(runs, 3)
  const ours = []
  const theirs = []
  for (let i = 0; i < gcRuns; i++) {
    ours.push(timeAndPeakMemory(process.execPath, [CLI, 'gc', 'status', '--storage', gcRoot, '--json']))
    theirs.push(timeAndPeakMemory('docker-registry', ['garbage-collect', '--dry-run', gcConfig]))
  }

  // Both rows are medians of the same runs (the Go collector's peak alone varies by a quarter run to run).
  const label = `gc status --storage (${images * 3} blobs)`
  const ms = (samples) => median(samples.map((sample) => sample.ms))
  const mb = (samples) => median(samples.map((sample) => sample.mb))
  return [
    row(`${label}, ${gcRuns} runs`, ms(ours), ms(theirs), {ratio: 0.5}, 'garbage-collect --dry-run'),
    memoryRow(`${label}: peak RSS, ${gcRuns} runs`, mb(ours), {ratio: 1.5}, mb(theirs), 'garbage-collect --dry-run'),
  ]
}
