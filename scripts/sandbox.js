#!/usr/bin/env node
// The local sandbox: Debian's docker-registry on a free loopback port, seeded with sample images.
//   node scripts/sandbox.js demo    start, seed, run registryctl's main jobs against it, stop
//   node scripts/sandbox.js serve   start and seed, print the host, keep running until Ctrl-C
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {Session} from '../dist/lib/client.js'
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
    const run = (...args) => {
      console.log(`\n$ registryctl ${args.join(' ')}`)
      const result = spawnSync(process.execPath, [cli, ...args], {stdio: 'inherit'})
      if (result.status !== 0) throw new Error(`registryctl ${args[0]} exited with ${result.status}`)
    }

    run('list-images', registry.host)
    run('list-tags', `${registry.host}/team/app:2021-*`)
    run('resolve', `${registry.host}/team/app:stable`)
    run('inspect', `${registry.host}/base/multiarch:bookworm`)
  }
} finally {
  await registry.stop()
}
