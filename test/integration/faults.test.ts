/**
 * The fault suite: every command through a fault-injecting proxy (25 % of requests, one fault kind at
 * a time, seeded so a failure replays with REGISTRYCTL_TEST_SEED) in front of a real registry. Each
 * command must either complete with the output of the fault-free run, or fail with one clear line and
 * a non-zero code. Deletions are checked against the registry's true state, read directly (not
 * through the proxy, not from the tool's report): nothing outside the plan is deleted, and every
 * planned tag is reported truthfully.
 */
import {strict as assert} from 'node:assert'

import pLimit from 'p-limit'

import {ExitCode} from '../../src/lib/errors.js'
import {buildImage} from '../../src/sandbox/images.js'
import {type RunningRegistry, startRegistry} from '../../src/sandbox/registry-process.js'
import {seedSamples} from '../../src/sandbox/seed.js'
import {StoreWriter} from '../../src/sandbox/store.js'
import {type CliResult, runCli} from '../helpers/cli.js'
import {FAULT_KINDS, type FaultKind, type FaultProxy, startFaultProxy} from '../helpers/fault-proxy.js'
import {testSeed} from '../helpers/prng.js'
import {localSession} from '../helpers/registry.js'

const RATE = 0.25
const PLANNED = 6
const OUTSIDE = ['new-1', 'new-2']
const plannedTag = (k: number) => `old-${k}`

interface CommandCase {
  name: string
  /** Arguments for a run against `host`; `run` names the run's own repository for destructive ones. */
  args: (host: string, run: string) => string[]
  deletes?: 'tags' | 'manifest'
  /** A smoke test: faults are what it reports, as failed cases (exit 1 or 3), never retried. */
  smoke?: boolean
}

const COMMON = ['--retries', '4', '--timeout', '10']
/** smoke retries nothing (it has no --retries): faults are what it reports. */
const common = (command: {smoke?: boolean}) => (command.smoke ? ['--timeout', '10'] : COMMON)
const COMMANDS: CommandCase[] = [
  {name: 'list-images', args: (host) => ['list-images', host, '--select', 'team/*']},
  {name: 'list-tags', args: (host) => ['list-tags', `${host}/team/app`]},
  {name: 'resolve', args: (host) => ['resolve', `${host}/base/multiarch:bookworm`]},
  {name: 'inspect', args: (host) => ['inspect', `${host}/team/app:stable`]},
  {name: 'gc status', args: (host) => ['gc', 'status', host]},
  // Smoke tests do not retry, by design (they are there to see a 503): under faults they report failed cases.
  {
    name: 'smoke --registry-suite',
    args: (host) => [
      'smoke',
      '--registry-suite',
      '--hosts',
      '127.0.0.1',
      '--scheme',
      'http',
      '--http-port',
      host.split(':')[1]!,
      '--open',
      '--image',
      'team/app:stable',
    ],
    smoke: true,
  },
  {name: 'delete-tags', args: (host, run) => ['delete-tags', `${host}/fault/${run}:old-*`, '--yes'], deletes: 'tags'},
  {
    name: 'delete-manifest',
    args: (host, run) => ['delete-manifest', `${host}/fault/${run}@${digests.get(`${run}:old-0`)}`, '--yes'],
    deletes: 'manifest',
  },
]

/** Digest of each seeded tag, by `run:tag`. */
const digests = new Map<string, string>()

function seedDeletionRepository(writer: StoreWriter, run: string): void {
  const tags = [...Array.from({length: PLANNED}, (_, k) => plannedTag(k)), ...OUTSIDE]
  for (const [k, tag] of tags.entries()) {
    const image = buildImage({
      created: new Date(Date.UTC(2020, 0, 1 + k)).toISOString(),
      layers: [`fault ${run} ${tag}`],
    })
    writer.image(`fault/${run}`, [tag], image)
    digests.set(`${run}:${tag}`, image.digest)
  }
}

/**
 * Output with what differs between runs by design replaced: the proxy's host, the run's own repository
 * (its images, so their digests, and the padding after its name); result lines sorted (they stream in
 * completion order).
 */
function normalize(stdout: string, host: string, run: string): string {
  let text = stdout.replaceAll(host, 'REGISTRY')
  if (run)
    text = text
      .replaceAll(`fault/${run}`, 'fault/RUN')
      .replaceAll(/sha256:[\da-f]{64}/g, 'DIGEST')
      .replaceAll(/\b[\da-f]{12}\b/g, 'SHORT')
      .replaceAll(/ {2,}/g, ' ')
  return text.split('\n').sort().join('\n')
}

function assertOneClearLine(result: CliResult, context: string): void {
  assert.notEqual(result.code, 0, context)
  const lines = result.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `one line on stderr; ${context}`)
  assert.match(lines[0]!, /^registryctl: \S/, context)
  assert.doesNotMatch(result.stderr, /^\s+at /m, `no stack; ${context}`)
}

describe('fault injection: every command at 25 % faults of each kind @integration', function () {
  this.timeout(300_000)
  const seed = testSeed(2026)
  let registry: RunningRegistry
  const baselines = new Map<string, CliResult>()
  let plainProxy: FaultProxy
  before(async function () {
    this.timeout(120_000)
    registry = await startRegistry()
    await seedSamples(localSession().client({host: registry.host}))
    const writer = new StoreWriter(registry.rootDirectory)
    for (const run of ['baseline', ...FAULT_KINDS]) {
      seedDeletionRepository(writer, `tags-${run}`)
      seedDeletionRepository(writer, `manifest-${run}`)
    }

    // The fault-free runs, through a proxy that faults nothing (same path, same kind of host).
    plainProxy = await startFaultProxy({target: registry.url, rate: 0})
    for (const command of COMMANDS) {
      const run = `${command.deletes ?? 'read'}-baseline`.replace('read-', '')

      const result = await runCli([...command.args(plainProxy.host, run), ...common(command)])
      assert.ok(result.code === 0, `${command.name} fault-free: ${result.code} ${result.stderr}`)
      baselines.set(command.name, result)
    }
  })
  after(async () => {
    await plainProxy?.stop()
    await registry?.stop()
  })

  /** The registry's true state of a deletion run's repository, read directly. */
  const remaining = async (run: string) =>
    new Set(await localSession().client({host: registry.host}).tags(`fault/${run}`, {missingIsEmpty: true}))

  interface Observed {
    command: CommandCase
    run: string
    result: CliResult
    /** Tags left in the run's repository right after the command, for deletions. */
    left?: Set<string>
    faults: number
    requests: number
    host: string
  }

  /** One command under one fault kind, through its own proxy (its own seed: it replays alone). */
  async function underFaults(kind: FaultKind, command: CommandCase): Promise<Observed> {
    const proxySeed = seed + 100 * FAULT_KINDS.indexOf(kind) + COMMANDS.indexOf(command)
    const proxy = await startFaultProxy({
      target: registry.url,
      seed: proxySeed,
      rate: RATE,
      kinds: [kind],
      delayMs: 300,
      retryAfterS: 1,
    })
    try {
      const run = command.deletes ? `${command.deletes}-${kind}` : ''
      const result = await runCli([...command.args(proxy.host, run), ...common(command)])
      const left = command.deletes ? await remaining(run) : undefined
      return {command, run, result, left, faults: proxy.faults.length, requests: proxy.requests, host: proxy.host}
    } finally {
      await proxy.stop()
    }
  }

  // Every (kind, command) pair runs side by side, a few at a time: the runs mostly wait (backoff,
  // Retry-After, delays). Each kind is checked in its own test.
  const runs = new Map<FaultKind, Promise<Observed[]>>()
  const observe = (kind: FaultKind) => {
    if (runs.size === 0) {
      const limit = pLimit(6)
      for (const each of FAULT_KINDS)
        runs.set(each, Promise.all(COMMANDS.map((command) => limit(() => underFaults(each, command)))))
    }

    return runs.get(kind)!
  }

  for (const kind of FAULT_KINDS) {
    it(`${kind}: each command completes as without faults or fails with one clear line; deletions are reported truthfully`, async () => {
      const observed = await observe(kind)
      for (const {command, run, result, left, faults, host} of observed) {
        const proxy = {host}
        const context = `${command.name} with ${kind} (seed ${seed}; ${faults} faults): exit ${result.code}\n${result.stdout}\n${result.stderr}`
        const baseline = baselines.get(command.name)!
        if (command.smoke && result.code !== 0) {
          // Each failed case names what the fault did; nothing else goes wrong.
          assert.ok(result.code === ExitCode.CHECK_FAILED || result.code === ExitCode.UNREACHABLE, context)
          assert.match(result.stdout, /FAIL /, context)
          assert.doesNotMatch(result.stdout + result.stderr, /internal error|^\s+at /m, context)
          continue
        }

        if (!command.deletes || !left) {
          if (result.code === 0)
            assert.equal(
              normalize(result.stdout, proxy.host, run),
              normalize(baseline.stdout, plainProxy.host, run),
              context,
            )
          else assertOneClearLine(result, context)
          continue
        }

        for (const tag of OUTSIDE) assert.ok(left.has(tag), `${tag} is outside the plan and was deleted; ${context}`)
        const planned =
          command.deletes === 'tags' ? Array.from({length: PLANNED}, (_, k) => plannedTag(k)) : [plannedTag(0)]
        for (let k = 0; k < PLANNED; k++) {
          if (!planned.includes(plannedTag(k)))
            assert.ok(left.has(plannedTag(k)), `${plannedTag(k)} is outside the plan and was deleted; ${context}`)
        }

        const reported = new Map(
          [...result.stdout.matchAll(/\/fault\/\S+:(\S+) +\[([A-Z]+)\]/g)].map((match) => [match[1]!, match[2]!]),
        )
        for (const tag of planned) {
          const status = reported.get(tag)
          if (status === 'UNKNOWN') continue
          if (left.has(tag))
            assert.ok(
              status === undefined || status === 'FAIL' || status === 'SKIPPED',
              `${tag} is still there but was reported ${status}; ${context}`,
            )
          else assert.ok(status === 'DONE', `${tag} is gone but was reported ${status}; ${context}`)
        }

        if (result.code === 0)
          assert.equal(
            normalize(result.stdout, proxy.host, run),
            normalize(baseline.stdout, plainProxy.host, `${command.deletes}-baseline`),
            context,
          )
        else if (result.code === ExitCode.PARTIAL)
          assert.ok(
            [...reported.values()].some((status) => status === 'FAIL' || status === 'UNKNOWN'),
            context,
          )
        else assertOneClearLine(result, context)
      }

      // Faults were injected (the seed and rate are such that every kind hits something).
      const faults = observed.reduce((sum, each) => sum + each.faults, 0)
      assert.ok(faults > 0, `no ${kind} fault injected`)
      if (process.env.REGISTRYCTL_TEST_VERBOSE) {
        console.log(
          `      ${kind}: ${faults} faults in ${observed.reduce((sum, each) => sum + each.requests, 0)} requests; ${observed.map((o) => `${o.command.name}=${o.result.code}`).join(' ')}`,
        )
      }
    })
  }
})
