/** Found by an adversarial hunt: what `gc status`'s write probe leaves in the store, run after run. */
import {strict as assert} from 'node:assert'
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'

import {type RunningRegistry, startRegistry} from '../../src/sandbox/registry-process.js'
import {runCli} from '../helpers/cli.js'

describe('gc status write probe leftovers @integration', () => {
  let registry: RunningRegistry
  before(async () => (registry = await startRegistry()))
  after(async () => registry.stop())

  // Fixed defect, as found: src/lib/gc/api.ts:83 probes in a new random repository on every run
  // (registryctl-probe/gc-status-<random>): each cancelled upload leaves that repository's folder with
  // _uploads/<uuid>/hashstates in the store, so an hourly `gc status` adds a folder per run forever
  // (garbage-collect never removes repository folders). Fix: one fixed probe name (registryctl-probe/gc-status),
  // so at most one folder remains (and say so in the README).
  it('two runs leave at most one probe repository in the store', async () => {
    for (let run = 0; run < 2; run++) {
      const {code, stdout} = await runCli(['gc', 'status', registry.host])
      assert.equal(code, 0)
      assert.match(stdout, /writes: +writable/)
    }

    const probes = await readdir(
      join(registry.rootDirectory, 'docker/registry/v2/repositories/registryctl-probe'),
    ).catch(() => [])
    assert.ok(probes.length <= 1, `probe repositories left: ${probes.join(', ')}`)
  })
})
