#!/usr/bin/env node
// registryctl benchmarks: one table of every figure, its goal, and the baseline measured in the same
// run (curl sending the same requests, `node -e 0`, the registry's own garbage collector). Each
// benchmark is a module in bench/ exporting `run(context)` that returns table rows (bench/lib.js has
// the helpers); add one by adding an entry to BENCHMARKS.
// Usage: npm run bench [-- --repositories 500 --tags 40 --runs 5 --big-tags 100000 --gc-blobs 100000 --gc-objects 20000 --only registry,far,gc,object-stores,growth]
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parseArgs} from 'node:util'

import {printTable} from './lib.js'

const BENCHMARKS = [
  // list-images (by name, by date cold and warm), resolve, --help, --version, delete-tags, smoke
  {name: 'registry', load: () => import('./registry.js')},
  // resolve - of 1,000 references, and list-images and a cold delete-tags --dry-run at 20 ms RTT
  {name: 'far', load: () => import('./far.js')},
  // list-tags and delete-tags --dry-run on one repository of 100,000 tags: time and peak memory
  {name: 'tags-100k', load: () => import('./tags-100k.js')},
  // gc status --storage against garbage-collect --dry-run
  {name: 'gc', load: () => import('./gc.js')},
  // gc status --config on Swift and S3 (a single-node Swift with s3api) against garbage-collect --dry-run
  {name: 'object-stores', load: () => import('./gc-object-stores.js')},
  // listing, the 100k-tag repository and gc status at three sizes each (bench/growth.js)
  {name: 'growth', load: () => import('./growth.js')},
]

const {values} = parseArgs({
  options: {
    repositories: {type: 'string', default: '500'},
    tags: {type: 'string', default: '40'},
    runs: {type: 'string', default: '5'},
    'big-tags': {type: 'string', default: '100000'},
    'gc-blobs': {type: 'string', default: '100000'},
    'gc-objects': {type: 'string', default: '20000'},
    'growth-repositories': {type: 'string', default: '500,2000,5000'},
    'growth-tags': {type: 'string', default: '10000,30000,100000'},
    'growth-blobs': {type: 'string', default: '10000,30000,100000'},
    only: {type: 'string'},
  },
})
const context = {
  runs: Number(values.runs),
  repositories: Number(values.repositories),
  tags: Number(values.tags),
  bigTags: Number(values['big-tags']),
  gcBlobs: Number(values['gc-blobs']),
  gcObjects: Number(values['gc-objects']),
  growth: {repositories: values['growth-repositories'], tags: values['growth-tags'], blobs: values['growth-blobs']},
}
const only = values.only?.split(',')

// tmpfs when there is one: fixtures are hundreds of thousands of tiny files, and disk metadata is slow here.
const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'registryctl-bench-'))
const rows = []
try {
  for (const benchmark of BENCHMARKS) {
    if (only && !only.includes(benchmark.name)) continue
    const started = Date.now()
    const {run} = await benchmark.load()
    rows.push(...(await run({...context, work})))
    console.log(`${benchmark.name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
    // The table so far: a long run that is stopped still leaves what it measured.
    if (rows.length > 0) printTable(rows, context.runs)
  }
} finally {
  rmSync(work, {recursive: true, force: true})
}
