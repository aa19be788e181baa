#!/usr/bin/env node
// The local sandbox: Debian's docker-registry on a free loopback port, seeded with sample images.
//   node scripts/sandbox.js demo    start, seed, run registryctl's main jobs against it, stop
//   node scripts/sandbox.js serve   start and seed, print the host, keep running until Ctrl-C
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {Session} from '../dist/lib/registry/client.js'
import {startRegistry} from '../dist/sandbox/registry-process.js'
import {seedSamples} from '../dist/sandbox/seed.js'

const cli = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const mode = process.argv[2] ?? 'demo'

const registry = await startRegistry()
try {
  await seedSamples(new Session().client({host: registry.host}))
  if (mode === 'serve') {
    console.log(`sandbox registry at ${registry.host} (store ${registry.rootDirectory}); Ctrl-C stops it`)
    await new Promise((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
  } else {
    // Each step states the exit code it must end with: the demo fails loudly if one does not.
    const run = (expected, ...args) => {
      console.log(`\n$ registryctl ${args.join(' ')}`)
      const result = spawnSync(process.execPath, [cli, ...args], {stdio: 'inherit'})
      if (result.status !== expected)
        throw new Error(`registryctl ${args[0]} exited with ${result.status}, expected ${expected}`)
      if (expected !== 0) console.log(`(exit code ${result.status}, as expected)`)
    }

    run(0, 'list-images', registry.host)
    run(0, 'list-tags', `${registry.host}/team/app:2021-*`)
    run(0, 'resolve', `${registry.host}/team/app:stable`)
    run(0, 'inspect', `${registry.host}/base/multiarch:bookworm`)
    // The main job: 2021-07-28-… shares its image with "stable", so only 2021-03-02-… goes (exit 12).
    run(0, 'delete-tags', `${registry.host}/team/app:2021-*`, '--dry-run')
    // What it deletes is recorded first (here in .sandbox/records): restore puts it back, byte for byte,
    // until the registry's garbage collection runs.
    const records = ['--record-dir', '.sandbox/records']
    run(12, 'delete-tags', `${registry.host}/team/app:2021-*`, '--yes', ...records)
    run(0, 'list-tags', `${registry.host}/team/app`)
    run(0, 'restore', `${registry.host}/team/app`, '--list', ...records)
    run(0, 'restore', `${registry.host}/team/app`, ...records)
    run(0, 'list-tags', `${registry.host}/team/app`)
    run(0, 'gc', 'status', registry.host, '--storage', registry.rootDirectory)
    // The registry's homepage, built from the samples: open .sandbox/homepage/index.html, or serve the folder.
    run(0, 'homepage', registry.host, '--out', '.sandbox/homepage')
    console.log(`homepage: ${fileURLToPath(new URL('../.sandbox/homepage/index.html', import.meta.url))}`)
    run(
      0,
      'smoke',
      '--registry-suite',
      '--hosts',
      '127.0.0.1',
      '--scheme',
      'http',
      '--http-port',
      String(registry.port),
      '--open',
      '--image',
      'team/app:stable',
    )
  }
} finally {
  await registry.stop()
}
