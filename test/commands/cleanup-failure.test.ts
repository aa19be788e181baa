/**
 * cleanup when a later repository fails: what the run reports (lines, metrics) against what it
 * really deleted.
 */
import {strict as assert} from 'node:assert'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {buildImage} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {runCli} from '../helpers/cli.js'
import {type FaultProxy, startFaultProxy} from '../helpers/fault-proxy.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'

describe('cleanup after a failure in a later repository @integration', () => {
  const registry = useRegistry()
  const dir = useTempDir('cleanup-failure')
  let proxy: FaultProxy | undefined
  afterEach(async () => {
    await proxy?.stop()
    proxy = undefined
  })

  // A later repository that fails with an error that is not a refusal (its delete probe answers 503
  // until the retries are used up: exit 9) stops the run; what the first repository deleted still
  // counts in the metrics, the lines and the summary.
  it('counts the tags deleted before a later repository failed as deleted in the metrics', async function () {
    this.timeout(60_000)
    const client = localSession().client({host: registry().host})
    const prefix = `failing${Date.now()}`
    for (const [repo, tags] of [
      ['a', ['a1', 'a2', 'a3']],
      ['b', ['b1', 'b2']],
    ] as const) {
      for (const tag of tags) {
        await pushImage(
          client,
          `${prefix}/${repo}`,
          [tag],
          buildImage({created: '2021-01-01T00:00:00Z', layers: [`${prefix} ${tag}`]}),
        )
      }
    }

    proxy = await startFaultProxy({
      target: `http://${registry().host}`,
      rate: 0,
      force: (method, path) =>
        method === 'DELETE' && path.startsWith(`/v2/${prefix}/b/manifests/sha256:000`) ? '503' : null,
    })
    const policy = join(dir(), 'policy.yaml')
    const metrics = join(dir(), 'cleanup.prom')
    await writeFile(
      policy,
      `registry: ${proxy.host}\nrules:\n  - name: all\n    repositories: ["${prefix}/*"]\n    tags: ["*"]\n`,
    )
    const result = await runCli([
      'cleanup',
      policy,
      '--yes',
      '--retries',
      '1',
      '--metrics-file',
      metrics,
      '--lock-dir',
      dir(),
    ])
    const left = await client.tags(`${prefix}/a`, {missingIsEmpty: true})
    assert.deepEqual(left, [], `the first repository was not cleaned: ${result.stdout}${result.stderr}`)
    const text = await readFile(metrics, 'utf8')
    assert.match(
      text,
      new RegExp(`repository="${prefix}/a",outcome="deleted"\\} 3`),
      `${text}\n${result.stdout}${result.stderr}`,
    )
    assert.equal(result.code, ExitCode.REGISTRY, result.stderr)
    assert.equal([...result.stdout.matchAll(new RegExp(`${prefix}/a:a\\d +\\[DONE\\]`, 'g'))].length, 3, result.stdout)
    assert.match(result.stdout, /^stopped: /m)
  })
})
