/**
 * The tag planner reads each image as soon as its HEAD answers, and sends the preflight's delete
 * probe alongside when asked: one slow HEAD does not hold back every other image's reads.
 */
import {strict as assert} from 'node:assert'

import {preflight} from '../../../src/lib/deletion/execute.js'
import {gatherTagPlan} from '../../../src/lib/deletion/gather.js'
import {buildImage, buildMultiArch} from '../../../src/sandbox/images.js'
import {pushImage} from '../../../src/sandbox/push.js'
import {type FaultProxy, startFaultProxy} from '../../helpers/fault-proxy.js'
import {localSession, useRegistry} from '../../helpers/registry.js'

const SLOW_MS = 1500
const NAME = 'team/pipelined'

describe('gatherTagPlan reads as answers arrive @integration', () => {
  const images = {
    a: buildImage({created: '2021-01-01T00:00:00Z', layers: ['a']}),
    b: buildImage({created: '2021-02-01T00:00:00Z', layers: ['b']}),
    multi: buildMultiArch(['2021-03-01T00:00:00Z', '2021-03-02T00:00:00Z']),
    slow: buildImage({created: '2021-04-01T00:00:00Z', layers: ['slow']}),
  }
  const registry = useRegistry({}, async (running) => {
    const client = localSession().client({host: running.host})
    await pushImage(client, NAME, ['a'], images.a)
    await Promise.all((['b', 'multi', 'slow'] as const).map((tag) => pushImage(client, NAME, [tag], images[tag])))
  })

  let proxy: FaultProxy | undefined
  afterEach(async () => proxy?.stop())

  /** Plans through a proxy that holds the HEAD of tag `slow` for SLOW_MS; when each request arrived. */
  async function plan(probeDeletes: boolean) {
    const arrivals: Array<{method: string; path: string; at: number}> = []
    proxy = await startFaultProxy({
      target: registry().url,
      delayMs: SLOW_MS,
      force(method, path) {
        arrivals.push({method, path, at: Date.now()})
        return method === 'HEAD' && path.endsWith('/manifests/slow') ? 'delay' : null
      },
    })
    const client = localSession().client({host: proxy.host})
    const result = await gatherTagPlan(client, {name: NAME, pattern: '*', policy: 'include', probeDeletes})
    const slowHead = arrivals.find((entry) => entry.method === 'HEAD' && entry.path.endsWith('/manifests/slow'))!
    // Sent while the slow HEAD was still unanswered.
    const early = arrivals.filter((entry) => entry.at < slowHead.at + SLOW_MS - 200 && entry !== slowHead)
    return {result, arrivals, early, client}
  }

  it("starts each image's manifest and config reads, and an index's platforms, before every HEAD has answered", async () => {
    const {result, early} = await plan(false)
    const configOf = (image: typeof images.a) =>
      (JSON.parse(image.manifest.toString()) as {config: {digest: string}}).config.digest
    for (const image of [images.a, images.b]) {
      assert.ok(early.some((entry) => entry.method === 'GET' && entry.path.endsWith(`/manifests/${image.digest}`)))
      assert.ok(early.some((entry) => entry.method === 'GET' && entry.path.endsWith(`/blobs/${configOf(image)}`)))
    }

    assert.ok(early.some((entry) => entry.method === 'GET' && entry.path.endsWith(`/manifests/${images.multi.digest}`)))
    assert.ok(!early.some((entry) => entry.method === 'DELETE'), 'no probe unless asked')
    // The same plan as ever: every tag dated, the index's platforms known (its children are not tagged).
    assert.deepEqual(
      result.tags.map((entry) => [entry.tag, entry.created]),
      [
        ['a', '2021-01-01T00:00:00Z'],
        ['b', '2021-02-01T00:00:00Z'],
        ['multi', '2021-03-02T00:00:00Z'],
        ['slow', '2021-04-01T00:00:00Z'],
      ],
    )
    assert.equal(result.digests.length, 4)
  })

  it('sends the delete probe alongside the reads with probeDeletes, and the preflight uses its answer', async () => {
    const {early, arrivals, client, result} = await plan(true)
    const probes = () =>
      arrivals.filter((entry) => entry.method === 'DELETE' && entry.path.endsWith(`sha256:${'0'.repeat(64)}`))
    assert.equal(probes().length, 1)
    assert.ok(early.includes(probes()[0]!), 'the probe went out while a HEAD was outstanding')
    await preflight(client, result)
    assert.equal(probes().length, 1, 'the preflight took the early answer')
    await preflight(client, result)
    assert.equal(probes().length, 2, 'once: a later preflight asks again')
  })
})
