#!/usr/bin/env node
// gc status --config on object storage against the registry's own `garbage-collect --dry-run`, on one
// store of at least N objects read through both drivers: a single-node Swift (s3api on the same proxy)
// holds the objects under `files/docker/registry/v2/…` in container `registry`, which the swift driver
// reads (prefix none) and the s3 driver reads as bucket `registry`, rootdirectory /files.
// The store is written in bulk through the object API: distribution's layout built in a temp folder
// (StoreWriter), sent as tar archives to Swift's bulk middleware (PUT ?extract-archive=tar).
// Both tools run once each per driver (the collector walks one object at a time: minutes); the
// eligible blobs and manifests must be identical. Usage: node bench/gc-object-stores.js [--objects N]
import {execFileSync, spawn} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {buildImage} from '../dist/sandbox/images.js'
import {SWIFT_KEY, SWIFT_USER, startSwift} from '../dist/sandbox/swift-process.js'
import {StoreWriter} from '../dist/sandbox/store.js'

const CLI = fileURLToPath(new URL('../bin/run.js', import.meta.url))

/** Runs a process under GNU time: wall ms, peak RSS MB, stdout. */
function measure(command, args, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn('/usr/bin/time', ['-f', '%M', command, ...args], {stdio: ['ignore', 'pipe', 'pipe'], env})
    const out = []
    const err = []
    child.stdout.on('data', (chunk) => out.push(chunk))
    child.stderr.on('data', (chunk) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      const stderr = Buffer.concat(err).toString('utf8')
      const stdout = Buffer.concat(out).toString('utf8')
      if (code !== 0)
        return reject(new Error(`${command} ${args.slice(0, 3).join(' ')} failed (${code}): ${stderr.slice(-800)}`))
      resolve({ms, mb: Number(stderr.trim().split('\n').at(-1)) / 1024, stdout, stderr})
    })
  })
}

/** Writes images until the layout holds at least `objects` files; returns the count. */
export function buildLayout(root, objects) {
  const writer = new StoreWriter(root)
  let written = 0
  for (let i = 0; written < objects; i++) {
    const name = `bench/repo-${String(i % 40).padStart(2, '0')}`
    const image = buildImage({
      created: new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString(),
      layers: [`object store layer ${i}`],
    })
    // manifest, config, layer; a revision link, two layer links; a tag's current and index links
    if (i % 3 === 0) {
      writer.manifest(name, image)
      written += 6
    } else {
      writer.image(name, [`t${i}`], image)
      written += 8
    }
  }

  return written
}

export async function upload(swift, root, container, prefix) {
  const token = await swift.token()
  // One archive per top-level folder of blobs/sha256 and of repositories: many modest requests.
  const v2 = join(root, 'docker', 'registry', 'v2')
  const parts = [
    ...readdirSync(join(v2, 'blobs', 'sha256')).map((shard) => `docker/registry/v2/blobs/sha256/${shard}`),
    ...readdirSync(join(v2, 'repositories', 'bench')).map(
      (repository) => `docker/registry/v2/repositories/bench/${repository}`,
    ),
  ]
  const batches = []
  for (let i = 0; i < parts.length; i += 16) batches.push(parts.slice(i, i + 16))
  let created = 0
  for (const batch of batches) {
    const archive = execFileSync('tar', ['-C', root, '-cf', '-', ...batch], {maxBuffer: 1 << 30})

    const response = await fetch(`${swift.storageUrl}/${container}/${prefix}?extract-archive=tar`, {
      method: 'PUT',
      headers: {'x-auth-token': token, accept: 'application/json', 'content-type': 'application/x-tar'},
      body: archive,
    })

    const result = await response.json()
    if (response.status !== 200 || result['Response Status'] !== '201 Created')
      throw new Error(`extract-archive: ${response.status} ${JSON.stringify(result).slice(0, 500)}`)
    created += result['Number Files Created']
  }

  return created
}

function eligible(collectorOutput) {
  return {
    blobs: [...collectorOutput.matchAll(/blob eligible for deletion: (\S+)/g)].map((m) => m[1]).sort(),
    manifests: [...collectorOutput.matchAll(/manifest eligible for deletion: (\S+)/g)].map((m) => m[1]).sort(),
  }
}

export async function runObjectStoreBench({objects = 20_000, concurrency = 16, log = console.log} = {}) {
  const work = mkdtempSync(join(tmpdir(), 'registryctl-bench-os-'))
  const swift = await startSwift({timeoutMs: 150_000})
  const results = []
  try {
    await swift.createContainer('registry')
    const layout = join(work, 'layout')
    const written = buildLayout(layout, objects)
    let started = Date.now()
    const created = await upload(swift, layout, 'registry', 'files')
    log(
      `object store: ${created} objects (${written} expected) written through Swift's bulk API in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    )
    rmSync(layout, {recursive: true, force: true})
    const drivers = {
      swift: {
        swift: {
          authurl: swift.authUrl,
          authversion: 1,
          username: SWIFT_USER,
          password: SWIFT_KEY,
          container: 'registry',
        },
      },
      s3: {
        s3: {
          accesskey: SWIFT_USER,
          secretkey: SWIFT_KEY,
          region: 'us-east-1',
          regionendpoint: swift.endpoint,
          bucket: 'registry',
          secure: false,
          v4auth: true,
          rootdirectory: '/files',
        },
      },
    }
    // The s3 driver (aws-sdk-go) dies at start when AWS_CA_BUNDLE is set.
    const {AWS_CA_BUNDLE: _ignored, ...env} = process.env
    for (const [driver, storage] of Object.entries(drivers)) {
      const config = join(work, `${driver}.yml`)
      writeFileSync(
        config,
        JSON.stringify({
          version: 0.1,
          log: {level: 'error'},
          storage: {...storage, delete: {enabled: true}, redirect: {disable: true}},
        }),
      )
      started = Date.now()

      const ours = await measure(
        process.execPath,
        [CLI, 'gc', 'status', '--config', config, '--json', '--concurrency', String(concurrency)],
        env,
      )

      const theirs = await measure(
        'docker-registry',
        ['garbage-collect', '--dry-run', '--delete-untagged', config],
        env,
      )
      const report = JSON.parse(ours.stdout).store
      const expected = eligible(theirs.stdout + theirs.stderr)
      const identical =
        JSON.stringify([...report.deleteUntagged.eligibleBlobs].sort()) === JSON.stringify(expected.blobs) &&
        JSON.stringify(report.deleteUntagged.eligibleManifests.map((m) => m.digest).sort()) ===
          JSON.stringify(expected.manifests)
      const requests = report.requests.list + report.requests.read + report.requests.stat
      results.push({driver, objects: created, ours, theirs, identical, requests})
      const speedup = theirs.ms / ours.ms
      const memory = ours.mb / theirs.mb
      log(
        `${driver}: ${created} objects; gc status --config ${(ours.ms / 1000).toFixed(1)} s (${requests} requests), garbage-collect --dry-run --delete-untagged ${(theirs.ms / 1000).toFixed(1)} s: ` +
          `${speedup.toFixed(1)}x faster (goal >= 5x); results identical: ${identical ? 'yes' : 'NO'} (${report.deleteUntagged.blobsEligible} vs ${expected.blobs.length} blobs, ` +
          `${report.deleteUntagged.manifestsEligible} vs ${expected.manifests.length} manifests eligible); peak RSS ${ours.mb.toFixed(0)} MB vs ${theirs.mb.toFixed(0)} MB: ${memory.toFixed(2)}x (goal <= 1.5x)`,
      )
    }
  } finally {
    await swift.stop()
    rmSync(work, {recursive: true, force: true})
  }

  return results
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const {values} = parseArgs({
    options: {objects: {type: 'string', default: '20000'}, concurrency: {type: 'string', default: '16'}},
  })
  await runObjectStoreBench({objects: Number(values.objects), concurrency: Number(values.concurrency)})
}

/** bench/run.js's entry: time and peak memory of gc status --config against the collector, per driver. */
export async function run({gcObjects}) {
  if (!(gcObjects > 0)) return []
  const {memoryRow, row} = await import('./lib.js')
  const results = await runObjectStoreBench({objects: gcObjects})
  return results.flatMap((result) => [
    row(
      `gc status --config (${result.driver}, ${result.objects} objects)`,
      result.ours.ms,
      result.theirs.ms,
      {ratio: 0.2},
      'garbage-collect --dry-run --delete-untagged',
    ),
    {
      label: `gc status --config (${result.driver}) same eligible blobs/manifests`,
      candidate: result.identical ? 'identical' : 'DIFFERENT',
      baseline: '',
      baselineLabel: 'the collector',
      result: result.identical ? 'yes' : 'no',
      goal: 'identical',
      met: result.identical,
    },
    memoryRow(
      `gc status --config (${result.driver}) peak memory`,
      result.ours.mb,
      {ratio: 1.5},
      result.theirs.mb,
      'the collector',
    ),
  ])
}
