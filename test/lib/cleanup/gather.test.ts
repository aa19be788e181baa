/** The cleanup planner reads each image's date as soon as a HEAD resolves a tag to it. */
import {strict as assert} from 'node:assert'

import {gatherCleanupPlan} from '../../../src/lib/cleanup/gather.js'
import {buildImage} from '../../../src/sandbox/images.js'
import {pushImage} from '../../../src/sandbox/push.js'
import {type FaultProxy, startFaultProxy} from '../../helpers/fault-proxy.js'
import {localSession, useRegistry} from '../../helpers/registry.js'

const SLOW_MS = 1500
const NAME = 'team/cleanup-pipelined'

describe('gatherCleanupPlan reads as answers arrive @integration', () => {
  const images = {
    a: buildImage({created: '2021-01-01T00:00:00Z', layers: ['cleanup a']}),
    b: buildImage({created: '2021-02-01T00:00:00Z', layers: ['cleanup b']}),
    slow: buildImage({created: '2021-04-01T00:00:00Z', layers: ['cleanup slow']}),
  }
  const registry = useRegistry({}, async (running) => {
    const client = localSession().client({host: running.host})
    await pushImage(client, NAME, ['a'], images.a)
    await Promise.all((['b', 'slow'] as const).map((tag) => pushImage(client, NAME, [tag], images[tag])))
  })

  let proxy: FaultProxy | undefined
  after(async () => proxy?.stop())

  it("starts an image's manifest read before the repository's slowest HEAD has answered; the plan is the same", async () => {
    const arrivals: Array<{method: string; path: string; at: number}> = []
    proxy = await startFaultProxy({
      target: registry().url,
      delayMs: SLOW_MS,
      force(method, path) {
        arrivals.push({method, path, at: Date.now()})
        return method === 'HEAD' && path.endsWith('/manifests/slow') ? 'delay' : null
      },
    })
    const plan = await gatherCleanupPlan(localSession().client({host: proxy.host}), [
      {
        name: 'keep-one',
        repositories: ['team/*'],
        excludeRepositories: [],
        tags: ['*'],
        excludeTags: [],
        protect: [],
        keep: 1,
        siblings: 'block',
      },
    ])
    const slowHead = arrivals.find((entry) => entry.method === 'HEAD' && entry.path.endsWith('/manifests/slow'))!
    const manifestA = arrivals.find((entry) => entry.method === 'GET' && entry.path.endsWith(images.a.digest))
    assert.ok(manifestA && manifestA.at < slowHead.at + SLOW_MS - 200, 'read while the slow HEAD was outstanding')
    assert.deepEqual(
      plan.repositories[0]!.tags.map((entry) => [entry.tag, entry.created, entry.action]),
      [
        ['a', '2021-01-01T00:00:00Z', 'delete'],
        ['b', '2021-02-01T00:00:00Z', 'delete'],
        ['slow', '2021-04-01T00:00:00Z', 'kept'],
      ],
    )
  })
})
