/**
 * The undo window under the worst conditions, against a real registry:
 *  - kill -9 at random points of a deletion (a request counted by a proxy in front of the registry
 *    decides the moment, drawn from a seeded PRNG): every image that is gone from the registry has its
 *    record on disk, and restore brings back exactly what was deleted, nothing else;
 *  - a restore through the fault proxy at 25 % faults either restores everything or reports each
 *    tag truthfully (every [RESTORED] is true on the registry, read directly), and a second restore
 *    without faults completes it.
 */
import {strict as assert} from 'node:assert'
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {readRecords} from '../../src/lib/deletion/recovery.js'
import {type BuiltImage, buildImage, buildMultiArch} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {RUN, runCli} from '../helpers/cli.js'
import {type FaultProxy, startFaultProxy} from '../helpers/fault-proxy.js'
import {seededRandom, testSeed} from '../helpers/prng.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'

const COMMON = ['--retries', '4', '--timeout', '10']
const ROUNDS = 8

/** Six images of every kind, one tag each (two on the Docker one), in repository `name`. */
async function seed(host: string, name: string): Promise<Map<string, BuiltImage>> {
  const client = localSession().client({host})
  const tags = new Map<string, BuiltImage>()
  for (let k = 0; k < 4; k++)
    tags.set(`oci-${k}`, buildImage({created: `2024-01-0${k + 1}T00:00:00Z`, layers: [`${name} oci ${k}`]}))
  const docker = buildImage({created: '2024-02-01T00:00:00Z', format: 'docker', layers: [`${name} docker`]})
  tags.set('docker-a', docker)
  tags.set('docker-b', docker)
  tags.set('multi', buildMultiArch(['2024-03-01T00:00:00Z', '2024-03-02T00:00:00Z'], 'oci', name))
  // The first tag alone: concurrent first pushes into a new repository can fail on the filesystem driver.
  const [first, ...rest] = [...tags]
  await pushImage(client, name, [first![0]], first![1])
  // One push per image, with all its tags: the same blobs uploaded twice at once can make distribution
  // answer a manifest PUT 400 (digest mismatch), as it did here for docker-a and docker-b.
  const byImage = new Map<BuiltImage, string[]>()
  for (const [tag, image] of rest) byImage.set(image, [...(byImage.get(image) ?? []), tag])
  await Promise.all([...byImage].map(([image, imageTags]) => pushImage(client, name, imageTags, image)))
  return tags
}

describe('restore under kill -9 and faults @integration', function () {
  this.timeout(240_000)
  const registry = useRegistry()
  const dir = useTempDir('restore-faults')
  const direct = () => localSession().client({host: registry().host})
  let proxy: FaultProxy
  /** Per request: kill the deleting process at the request numbered `killAt`; faults only while `faulting`. */
  const control: {child?: ChildProcess; killAt?: number; seen: number; faulting: boolean; methods: string[]} = {
    seen: 0,
    faulting: false,
    methods: [],
  }

  before(async () => {
    proxy = await startFaultProxy({
      target: registry().url,
      seed: testSeed(22),
      rate: 0.25,
      force(method) {
        control.seen++
        control.methods.push(method)
        if (control.child && control.seen === control.killAt) control.child.kill('SIGKILL')
        return control.faulting ? undefined : null
      },
    })
  })
  after(() => proxy.stop())

  const isolated = (state: string) => ({
    ...process.env,
    DOCKER_CONFIG: '/nonexistent-docker-config',
    REGISTRYCTL_CONFIG: '/nonexistent-registryctl/config.yaml',
    REGISTRYCTL_SYSTEM_CONFIG: '/nonexistent-registryctl/system.yaml',
    XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'registryctl-test-cache-')),
    XDG_STATE_HOME: state,
  })

  /** delete-tags through the proxy, killed with -9 when the proxy sees request number `killAt`. */
  async function deleteKilledAt(name: string, state: string, killAt: number): Promise<number | null> {
    control.seen = 0
    control.methods = []
    control.killAt = killAt
    const child = spawn(process.execPath, [RUN, 'delete-tags', `${proxy.host}/${name}:*`, '--yes', ...COMMON], {
      env: isolated(state),
      stdio: 'ignore',
    })
    control.child = child
    const code = await new Promise<number | null>((resolve) => child.on('close', (exit) => resolve(exit)))
    control.child = undefined
    return code
  }

  it('kill -9 at random points: every deleted image is recorded, and restore brings back exactly that', async () => {
    const random = seededRandom(testSeed(2207))
    // One whole run, to know how many requests a deletion makes (the kill points are drawn among them).
    const calibration = 'killed/calibration'
    await seed(registry().host, calibration)
    assert.equal(await deleteKilledAt(calibration, join(dir(), 'calibration'), 0), 0)
    const total = control.seen
    // From the preflight's DELETE on: the part of the run where records are written and DELETEs sent.
    const start = control.methods.indexOf('DELETE') + 1
    assert.ok(start > 0 && total > start + 10, `a deletion made ${total} requests, its first DELETE at ${start}`)

    let killedMidway = 0
    for (let round = 0; round < ROUNDS; round++) {
      const name = `killed/round-${round}`
      const state = join(dir(), `state-${round}`)
      const tags = await seed(registry().host, name)
      const killAt = start + Math.floor(random() * (total - start + 1))
      const code = await deleteKilledAt(name, state, killAt)
      if (code === null) killedMidway++

      // What is gone, read from the registry itself, and what the record holds.
      const gone = new Map<string, string>()
      for (const [tag, image] of tags) if ((await direct().exists(name, tag)) === undefined) gone.set(tag, image.digest)
      const recorded = new Map<string, Buffer>()
      for (const image of readRecords(join(state, 'registryctl')).flatMap((run) => run.images))
        for (const tag of image.tags) recorded.set(tag, Buffer.from(image.manifest, 'base64'))
      for (const [tag] of gone)
        assert.ok(recorded.has(tag), `round ${round} (killed at request ${killAt}): ${tag} deleted without a record`)
      for (const [tag, bytes] of recorded) assert.ok(bytes.equals(tags.get(tag)!.manifest), `${tag}: recorded bytes`)
      if (gone.size === 0) continue

      const restored = await runCli(['restore', `${proxy.host}/${name}`], {env: {XDG_STATE_HOME: state}})
      assert.equal(restored.code, 0, `round ${round}: ${restored.stdout}${restored.stderr}`)
      // Exactly what was there before: every tag on its own digest, no other tag.
      assert.deepEqual((await direct().tags(name)).sort(), [...tags.keys()].sort())
      for (const [tag, image] of tags) assert.equal(await direct().exists(name, tag), image.digest, tag)
    }

    assert.ok(killedMidway >= ROUNDS / 2, `only ${killedMidway} of ${ROUNDS} runs were killed before they ended`)
  })

  it('a restore through 25 % faults restores everything or reports truthfully', async () => {
    for (let round = 0; round < 3; round++) {
      const name = `faulted/round-${round}`
      const state = join(dir(), `faulted-${round}`)
      const tags = await seed(registry().host, name)
      const env = {XDG_STATE_HOME: state}
      const deleted = await runCli(['delete-tags', `${proxy.host}/${name}:*`, '--yes', ...COMMON], {env})
      assert.equal(deleted.code, 0, deleted.stderr)

      const faultsBefore = proxy.faults.length
      control.faulting = true
      const restored = await runCli(['restore', `${proxy.host}/${name}`, ...COMMON], {env}).finally(
        () => (control.faulting = false),
      )
      assert.ok(proxy.faults.length > faultsBefore, 'the restore met faults')
      const lines = restored.stdout.trim().split('\n').filter(Boolean)
      if (restored.code === 0) assert.equal(lines.length, tags.size, restored.stdout)
      else assert.match(restored.stderr, /^registryctl: |\[(FAIL|SKIPPED)\]/m, restored.stderr)
      for (const line of lines) {
        const [, tag, status] = /:([^:\s]+)\s+\[([A-Z]+)\]$/.exec(line) ?? []
        assert.ok(tag && tags.has(tag), `round ${round}: ${line}`)
        // A tag reported restored is restored, on its recorded digest (read directly).
        if (status === 'RESTORED') assert.equal(await direct().exists(name, tag), tags.get(tag)!.digest, line)
        else assert.equal(status, 'FAIL', `round ${round}: only failures may remain under faults: ${line}`)
      }

      // Without faults, a second restore completes it.
      const again = await runCli(['restore', `${proxy.host}/${name}`, ...COMMON], {env})
      assert.equal(again.code, 0, again.stdout + again.stderr)
      for (const [tag, image] of tags) assert.equal(await direct().exists(name, tag), image.digest, tag)
    }
  })
})
