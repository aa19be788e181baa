import {strict as assert} from 'node:assert'

import {executeCleanup} from '../../../src/lib/cleanup/execute.js'
import type {CleanupPlan} from '../../../src/lib/cleanup/plan.js'
import type {RegistryClient} from '../../../src/lib/registry/client.js'
import {planDeletion} from '../../../src/lib/deletion/plan.js'
import {DeniedError, ExitCode} from '../../../src/lib/errors.js'

const D = (c: string) => `sha256:${c.repeat(64)}`

/** A registry in memory: one image per repository, tagged `old`; deletes can be refused from some repository on. */
function fakeRegistry(names: string[], refuseFrom?: string) {
  const images = new Map(names.map((name, i) => [name, D(String(i + 1))]))
  const deleted: string[] = []
  const client = {
    host: 'reg',
    session: {limit: {concurrency: 8}},
    async probeDelete(name: string) {
      if (refuseFrom && name >= refuseFrom)
        throw new DeniedError(`deletes in reg/${name}: denied`, ExitCode.DENIED, {
          status: 403,
          codes: ['DENIED'],
          url: '',
        })
    },
    async tags(name: string) {
      return images.has(name) ? ['old'] : []
    },
    async exists(name: string, reference: string) {
      const digest = images.get(name)
      return digest && (reference === 'old' || reference === digest) ? digest : undefined
    },
    async deleteManifest(name: string) {
      deleted.push(name)
      images.delete(name)
      return {gone: false, retried: false}
    },
  }
  const plan: CleanupPlan = {
    kind: 'registryctl-cleanup-plan',
    version: 1,
    registry: 'reg',
    createdAt: new Date().toISOString(),
    rules: [],
    repositories: names.map((name, i) =>
      planDeletion({
        registry: 'reg',
        name,
        pattern: '*',
        policy: 'block',
        tags: [{tag: 'old', digest: D(String(i + 1))}],
      }),
    ),
  }
  return {client: client as unknown as RegistryClient, plan, deleted}
}

describe('cleanup/execute', () => {
  it('exits 10 when a planned tag moved ([CHANGED]): a tag it planned to delete is still there', async () => {
    const {client, plan, deleted} = fakeRegistry(['a', 'b'])
    const moved = Object.assign(client, {
      async exists(name: string, reference: string) {
        if (name === 'b') return D('9')
        return reference === 'old' || reference === D('1') ? D('1') : undefined
      },
    })
    const result = await executeCleanup(moved, plan)
    assert.deepEqual(deleted, ['a'])
    assert.equal(result.counts.CHANGED, 1)
    assert.equal(result.exitCode, ExitCode.PARTIAL)
  })

  it('applies every repository through the deletion executor', async () => {
    const {client, plan, deleted} = fakeRegistry(['a', 'b', 'c'])
    const seen: string[] = []
    const result = await executeCleanup(client, plan, {
      onRepository: (repository, handled, total) => seen.push(`${repository.name} ${handled}/${total}`),
    })
    assert.deepEqual(deleted, ['a', 'b', 'c'])
    assert.deepEqual(seen, ['a 1/3', 'b 2/3', 'c 3/3'])
    assert.equal(result.counts.DONE, 3)
    assert.equal(result.exitCode, 0)
  })

  it('stops at once when the registry refuses mid-run: no further repository is started', async () => {
    const {client, plan, deleted} = fakeRegistry(['a', 'b', 'c'], 'b')
    const result = await executeCleanup(client, plan)
    assert.deepEqual(deleted, ['a'])
    assert.deepEqual(result.notRun, ['b', 'c'])
    assert.equal(result.stopped?.reason, 'refused')
    assert.equal(result.exitCode, ExitCode.DENIED)
    assert.equal(result.repositories.length, 1)
  })

  it('starts no DELETE and no further repository once the signal is aborted (SIGINT, SIGTERM), and says so', async () => {
    const {client, plan, deleted} = fakeRegistry(['a', 'b', 'c'])
    const controller = new AbortController()
    const result = await executeCleanup(client, plan, {
      signal: controller.signal,
      onRepository: () => controller.abort(),
    })
    assert.deepEqual(deleted, ['a'])
    assert.deepEqual(result.notRun, ['b', 'c'])
    assert.equal(result.stopped?.reason, 'interrupted')
    assert.equal(result.exitCode, ExitCode.INTERRUPTED)
  })
})
