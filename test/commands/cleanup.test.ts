import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {CleanupPlan} from '../../src/lib/cleanup/plan.js'
import {readJournal} from '../../src/lib/deletion/journal.js'
import {ExitCode} from '../../src/lib/errors.js'
import {type CliResult, inTerminal, RUN, runCli, isolatedEnvironment} from '../helpers/cli.js'
import {type Fleet, fleetPolicy, writeFleet} from '../helpers/fleet.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'

let fleets = 0

describe('cleanup @integration', function () {
  this.timeout(120_000)
  const registry = useRegistry()
  const dir = useTempDir('cleanup')
  const client = () => localSession().client({host: registry().host})

  /** What is in the registry now, read from the registry (not from the tool's report). */
  async function remaining(fleet: Fleet): Promise<Map<string, string[]>> {
    const names = (await client().repositories()).filter((name) => name.startsWith(`${fleet.prefix}/`))
    const entries = await Promise.all(
      names.map(async (name) => [name, (await client().tags(name, {missingIsEmpty: true})).sort()] as const),
    )
    return new Map(entries.filter(([, tags]) => tags.length > 0))
  }

  /** What a plan keeps, per repository. */
  function keptBy(plan: CleanupPlan): Map<string, string[]> {
    const kept = plan.repositories.map(
      (repository) =>
        [
          repository.name,
          repository.tags
            .filter((tag) => tag.action === 'kept')
            .map((tag) => tag.tag)
            .sort(),
        ] as const,
    )
    return new Map(kept.filter(([, tags]) => tags.length > 0))
  }

  /** A fleet of its own for each test: 32 repositories, or a small one (4 team, 2 CI) where size does not matter. */
  async function setup(
    extra = '',
    size: 'full' | 'small' = 'full',
  ): Promise<{fleet: Fleet; policy: string; planFile: string; metrics: string; lockDir: string}> {
    const prefix = `fleet${++fleets}`
    const fleet = writeFleet(registry(), prefix, size === 'small' ? {team: 4, ci: 2} : {})
    const policy = join(dir(), `${prefix}.yaml`)
    await writeFile(policy, fleetPolicy(registry().host, prefix, extra))
    return {
      fleet,
      policy,
      planFile: join(dir(), `${prefix}-plan.json`),
      metrics: join(dir(), `${prefix}.prom`),
      lockDir: dir(),
    }
  }

  const readPlan = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as CleanupPlan

  it('plans 32 repositories with a rule and a reason for every tag, reading dates only where a rule needs them, each image once', async () => {
    const {fleet, policy, planFile} = await setup()
    const {code, stdout, stderr} = await runCli(['cleanup', policy, '--dry-run', '--plan-out', planFile, '--debug'])
    assert.equal(code, 0, stderr)
    assert.equal(fleet.repositories.size, 32)
    assert.match(stdout, /^ {2}r00 +[0-9a-f]{12} +\S+ +DELETE +team-newest: not one of the 10 newest$/m)
    assert.match(
      stdout,
      /^ {2}r01 +[0-9a-f]{12} +\S+ +KEEP +team-newest: its image is also tagged stable, which this plan keeps \(siblings: block\)$/m,
    )
    assert.match(stdout, /^ {2}r04 +[0-9a-f]{12} +\S+ +KEEP +team-newest: one of the 10 newest \(keep 10\)$/m)
    assert.match(stdout, /^ {2}stable +[0-9a-f]{12} +\S+ +KEEP +team-newest: protected \(protect stable\)$/m)
    assert.match(stdout, /^ {2}main +[0-9a-f]{12} +\S+ +KEEP +-: selected by no rule$/m)
    assert.match(stdout, /^ {2}[0-9a-f]{40} +[0-9a-f]{12} +\S+ +KEEP +ci-sha: newer than 30d$/m)
    assert.match(stdout, /^ {2}[0-9a-f]{40} +[0-9a-f]{12} +\S+ +DELETE +ci-sha: older than 30d$/m)
    // 24 team repositories: r00, r02, r03 go, r01 is blocked by stable; 8 CI repositories: 4 builds older than 30 days.
    assert.match(
      stdout,
      /Summary: delete 104 tag\(s\) with 104 image\(s\), [\d.]+ KB, untag 0, keep \d+, blocked 24, in 32 repositories\./,
    )

    const plan = await readPlan(planFile)
    assert.equal(plan.repositories.length, 32)
    for (const repository of plan.repositories)
      for (const tag of repository.tags) assert.ok(tag.reason, `${repository.name}:${tag.tag} has no reason`)
    // Requests: one HEAD per tag; a config GET only for images a dated rule selects, never twice.
    const requests = stderr.split('\n').filter((line) => line.startsWith('debug: '))
    const configGets = requests
      .filter((line) => /GET \S+\/blobs\/sha256:/.test(line))
      .map((line) => line.split(' ')[2]!.replace(/.*\/blobs\//, ''))
    assert.equal(configGets.length, new Set(configGets).size, 'a config was read twice')
    const dated = [...fleet.repositories.values()].reduce(
      (sum, tags) => sum + tags.filter((tag) => tag !== 'main' && tag !== 'latest' && tag !== 'stable').length,
      0,
    )
    // Every selected image once; `main` (selected by no rule) is never read.
    assert.equal(configGets.length, dated)
    const heads = requests.filter((line) => line.startsWith(`debug: HEAD ${registry().url}/v2/fleet`)).length
    assert.equal(
      heads,
      [...fleet.repositories.values()].reduce((sum, tags) => sum + tags.length, 0),
    )
    assert.deepEqual(await remaining(fleet), fleet.repositories, 'a dry run deleted something')
  })

  it('deletes what the plan names and nothing else: what remains equals what the plan kept; metrics per repository', async () => {
    const {fleet, policy, planFile, metrics} = await setup()
    const {code, stdout, stderr} = await runCli([
      'cleanup',
      policy,
      '--yes',
      '--plan-out',
      planFile,
      '--metrics-file',
      metrics,
      '--lock-dir',
      dir(),
    ])
    assert.equal(code, 0, stderr)
    assert.doesNotMatch(stdout, /\u001B\[/, 'colour or cursor codes in a pipe')
    assert.match(stdout, new RegExp(`^${registry().host}/${fleet.prefix}/team/app00:r00 +\\[DONE\\]$`, 'm'))
    assert.match(stdout, /^104 done, \d+ kept in 32 repositories\./m)
    const plan = await readPlan(planFile)
    assert.deepEqual(await remaining(fleet), keptBy(plan))
    const prom = await readFile(metrics, 'utf8')
    assert.match(
      prom,
      new RegExp(
        `^registryctl_cleanup_tags\\{registry="${registry().host}",repository="${fleet.prefix}/team/app00",outcome="deleted"\\} 3$`,
        'm',
      ),
    )
    assert.match(
      prom,
      new RegExp(
        `^registryctl_cleanup_tags\\{registry="${registry().host}",repository="${fleet.prefix}/team/app00",outcome="blocked"\\} 1$`,
        'm',
      ),
    )
    assert.match(
      prom,
      new RegExp(
        `^registryctl_cleanup_tags\\{registry="${registry().host}",repository="${fleet.prefix}/ci/build00",outcome="deleted"\\} 4$`,
        'm',
      ),
    )
    assert.match(prom, /^registryctl_cleanup_deleted_bytes\{[^}]*repository="fleet\d+\/team\/app00"\} [1-9]\d*$/m)
    assert.match(prom, /^registryctl_cleanup_exit_code\{[^}]*\} 0$/m)
    const success = /^registryctl_cleanup_last_success_timestamp_seconds\{[^}]*\} (\d+)$/m.exec(prom)
    assert.ok(success && Math.abs(Number(success[1]) - Date.now() / 1000) < 120, prom)

    // A second run finds nothing to do; a run that fails keeps the last success time.
    const again = await runCli(['cleanup', policy, '--yes', '--lock-dir', dir()])
    assert.equal(again.code, 0)
    assert.match(again.stdout, /Summary: delete 0 tag\(s\)/)
    const failed = await runCli([
      'cleanup',
      policy,
      '--yes',
      '--max-delete',
      '0',
      '--metrics-file',
      metrics,
      '--registry',
      '127.0.0.1:1',
      '--lock-dir',
      dir(),
    ])
    assert.equal(failed.code, ExitCode.UNREACHABLE)
    const after = await readFile(metrics, 'utf8')
    assert.match(after, /^registryctl_cleanup_exit_code\{registry="127\.0\.0\.1:1"\} 3$/m)
  })

  it('applies a reviewed plan with --plan, re-verifying every tag: a tag moved since is not deleted', async () => {
    const {fleet, policy, planFile} = await setup('', 'small')
    assert.equal((await runCli(['cleanup', policy, '--dry-run', '--plan-out', planFile])).code, 0)
    const name = `${fleet.prefix}/team/app03`
    const r05 = await client().manifest(name, 'r05')
    await client().pushManifest(name, 'r00', r05.raw, r05.manifest.mediaType) // r00 now points at a kept image
    const {code, stdout} = await runCli(['cleanup', '--plan', planFile, '--yes', '--lock-dir', dir()])
    // r00 is still there, as a tag the plan meant to delete: not "all done".
    assert.equal(code, ExitCode.PARTIAL, stdout)
    assert.match(stdout, new RegExp(`${name}:r00 +\\[CHANGED\\]  now points at ${r05.descriptor.digest}; not deleted`))
    const expected = keptBy(await readPlan(planFile))
    expected.set(name, [...expected.get(name)!, 'r00'].sort())
    assert.deepEqual(await remaining(fleet), expected)
    // Applied again (--silent), what is done is [GONE], r00 still [CHANGED] (exit 10); metrics that cannot be
    // written fail a job that would otherwise pass with exit 2, and leave a failed run's own code as it is.
    const again = await runCli([
      'cleanup',
      '--plan',
      planFile,
      '--yes',
      '--silent',
      '--lock-dir',
      dir(),
      '--metrics-file',
      '/nonexistent-folder/cleanup.prom',
    ])
    assert.equal(again.code, ExitCode.PARTIAL)
    assert.doesNotMatch(
      again.stdout,
      /Cleanup plan for|Summary:| in \d+ repositor/,
      '--silent prints the outcome lines only',
    )
    assert.match(again.stdout, new RegExp(`${fleet.prefix}/team/app00:r00 +\\[GONE\\]`))
    assert.match(again.stderr, /^registryctl: cannot write metrics \/nonexistent-folder\/cleanup\.prom: ENOENT/m)
    assert.deepEqual(await remaining(fleet), expected)
  })

  it('refuses a policy with errors before any request: exit 2, every error with its line', async () => {
    const policy = join(dir(), 'bad.yaml')
    await writeFile(
      policy,
      `registry: ${registry().host}\nrules:\n  - name: x\n    repositories: ["*"]\n    tags: ["*"]\n    keep: many\n    older-than: 3 months\n  - name: y\n    repository: ["*"]\n    tags: ["*"]\n`,
    )
    const {code, stdout, stderr} = await runCli(['cleanup', policy, '--yes', '--debug'])
    assert.equal(code, ExitCode.USAGE)
    assert.equal(stdout, '')
    assert.doesNotMatch(stderr, /^debug: (GET|HEAD|DELETE)/m, 'a request was sent')
    assert.match(
      stderr,
      /^registryctl: 4 errors in the policy: \S+bad\.yaml:6: rules\[0\]\.keep must be integer; \S+:7: rules\[0\]\.older-than must be a duration.*; \S+:8: rules\[1\] needs "repositories"; \S+:9: unknown key "repository" in rules\[1\]/m,
    )
  })

  it("deletes nothing when the plan is over --max-delete or a rule's max-delete: exit 13", async () => {
    const {fleet, policy, metrics} = await setup('    max-delete: 5\n', 'small')
    const overRule = await runCli(['cleanup', policy, '--yes', '--metrics-file', metrics, '--lock-dir', dir()])
    assert.equal(overRule.code, ExitCode.OVER_LIMIT)
    assert.match(
      overRule.stdout,
      /Over the limit: rule ci-sha removes 8 tag\(s\), over its max-delete of 5; nothing will be deleted/,
    )
    assert.match(
      overRule.stderr,
      /^registryctl: rule ci-sha removes 8 tag\(s\), over its max-delete of 5: nothing was deleted/,
    )
    const overAll = await runCli(['cleanup', policy, '--yes', '--max-delete', '19', '--lock-dir', dir()])
    assert.equal(overAll.code, ExitCode.OVER_LIMIT)
    assert.match(overAll.stderr, /the plan removes 20 tag\(s\), over the limit of 19 \(max-delete\)/)
    assert.deepEqual(await remaining(fleet), fleet.repositories)
    assert.match(await readFile(metrics, 'utf8'), /^registryctl_cleanup_exit_code\{[^}]*\} 13$/m)
    const dry = await runCli(['cleanup', policy, '--dry-run', '--max-delete', '19'])
    assert.equal(dry.code, ExitCode.OVER_LIMIT)
  })

  it('refuses without a terminal and without --yes: exit 11, nothing deleted', async () => {
    const {fleet, policy} = await setup('', 'small')
    const {code, stderr} = await runCli(['cleanup', policy, '--lock-dir', dir()])
    assert.equal(code, ExitCode.ABORTED)
    assert.match(stderr, /refusing to delete without confirmation/)
    assert.deepEqual(await remaining(fleet), fleet.repositories)
    // --json: the plan with every tag's rule and reason, and the totals.
    const dry = await runCli(['cleanup', policy, '--dry-run', '--json'])
    assert.equal(dry.code, 0)
    const output = JSON.parse(dry.stdout) as {
      dryRun: boolean
      totals: {delete: number; blocked: number}
      plan: CleanupPlan
    }
    assert.equal(output.dryRun, true)
    assert.deepEqual([output.totals.delete, output.totals.blocked], [20, 4])
    const r00 = output.plan.repositories
      .find((repository) => repository.name === `${fleet.prefix}/team/app03`)!
      .tags.find((tag) => tag.tag === 'r00')!
    assert.deepEqual([r00.action, r00.rule, r00.reason], ['delete', 'team-newest', 'not one of the 10 newest'])
    assert.ok(
      output.plan.repositories[0]!.digests.every((digest) => digest.action !== 'delete' || digest.size! > 0),
      'sizes of the images to delete',
    )
  })

  it('on SIGTERM lets the DELETEs in flight finish, starts no other, reports each, exits 130; a rerun finishes', async () => {
    const {fleet, policy, planFile} = await setup()
    assert.equal((await runCli(['cleanup', policy, '--dry-run', '--plan-out', planFile])).code, 0)
    const journal = join(dir(), `${fleet.prefix}.journal`)
    const stopped = await new Promise<{code: number | null; stdout: string; stderr: string}>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [RUN, 'cleanup', policy, '--yes', '--concurrency', '1', '--lock-dir', dir(), '--journal', journal],
        {env: isolatedEnvironment({DOCKER_CONFIG: '/nonexistent'})},
      )
      let stdout = ''
      let stderr = ''
      let signalled = false
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (!signalled && stdout.includes('[DONE]')) signalled = child.kill('SIGTERM')
      })
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.on('error', reject)
      child.on('close', (code) => resolve({code, stdout, stderr}))
    })
    assert.equal(stopped.code, ExitCode.INTERRUPTED, stopped.stderr)
    assert.match(stopped.stderr, /SIGTERM: starting no more deletions, letting those in flight finish/)
    assert.match(
      stopped.stderr,
      /^registryctl: interrupted: \d+ tag\(s\) deleted, \d+ not attempted \(\[SKIPPED\]\), \d+ repositories not started; run the cleanup again/m,
    )
    assert.match(stopped.stdout, /^Not started: .+\. Run the cleanup again to finish/m)
    // Every deletion that happened was reported, and nothing else was deleted.
    const plan = await readPlan(planFile)
    const now = await remaining(fleet)
    const reported = new Set(
      [...stopped.stdout.matchAll(/\/(fleet\d+\/[^:\s]+:[^\s[]+) *\[DONE\]/g)].map((match) => match[1]!),
    )
    assert.ok(reported.size > 0 && reported.size < 104, `${reported.size} deletions reported`)
    const journaled = readJournal(journal).flatMap((record) =>
      record.event === 'outcome' && record.status === 'DONE' ? [`${record.name}:${record.tag}`] : [],
    )
    assert.deepEqual(new Set(journaled), reported)
    for (const repository of plan.repositories) {
      for (const tag of repository.tags) {
        const present = now.get(repository.name)?.includes(tag.tag) ?? false
        const expected = tag.action === 'kept' || !reported.has(`${repository.name}:${tag.tag}`)
        assert.equal(
          present,
          expected,
          `${repository.name}:${tag.tag} (${tag.action}) is ${present ? 'still there' : 'gone'}`,
        )
      }
    }

    const rerun = await runCli(['cleanup', policy, '--yes', '--lock-dir', dir()])
    assert.equal(rerun.code, 0, rerun.stderr)
    assert.deepEqual(await remaining(fleet), keptBy(plan))
  })

  it('finishes the job when run again after kill -9 mid-run, deleting nothing the plan did not name', async () => {
    const {fleet, policy, planFile} = await setup()
    assert.equal((await runCli(['cleanup', policy, '--dry-run', '--plan-out', planFile])).code, 0)
    const kept = keptBy(await readPlan(planFile))
    const killed = await new Promise<{signal: NodeJS.Signals | null; stdout: string}>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [RUN, 'cleanup', policy, '--yes', '--concurrency', '1', '--lock-dir', dir()],
        {env: isolatedEnvironment({DOCKER_CONFIG: '/nonexistent'})},
      )
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (stdout.includes('[DONE]')) child.kill('SIGKILL')
      })
      child.on('error', reject)
      child.on('close', (_code, signal) => resolve({signal, stdout}))
    })
    assert.equal(killed.signal, 'SIGKILL')
    const between = await remaining(fleet)
    const left =
      [...between].reduce((sum, [, tags]) => sum + tags.length, 0) -
      [...kept].reduce((sum, [, tags]) => sum + tags.length, 0)
    assert.ok(left > 0 && left < 104, `expected the run to be killed mid-way, ${left} tag(s) left to delete`)
    // The kernel released the lock with the process: the rerun starts at once and finishes the job.
    const rerun = await runCli(['cleanup', policy, '--yes', '--lock-dir', dir()])
    assert.equal(rerun.code, 0, rerun.stderr)
    assert.match(rerun.stdout, new RegExp(`Summary: delete ${left} tag\\(s\\)`))
    assert.deepEqual(await remaining(fleet), kept)
  })

  it('lets one cleanup of a registry run at a time: a second refuses (exit 14), one with --lock-wait waits', async () => {
    const {fleet, policy, planFile} = await setup()
    assert.equal((await runCli(['cleanup', policy, '--dry-run', '--plan-out', planFile])).code, 0)
    // The first run sits at its confirmation prompt, holding the lock, while the others start.
    let second: CliResult | undefined
    let waiting: Promise<CliResult> | undefined
    const first = await new Promise<{code: number; stdout: string}>((resolve, reject) => {
      const child = spawn(...inTerminal(['cleanup', policy, '--lock-dir', dir()]), {
        env: isolatedEnvironment({DOCKER_CONFIG: '/nonexistent'}),
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let stdout = ''
      let answered = false
      child.stdout.on('data', async (chunk: Buffer) => {
        stdout += chunk.toString()
        if (answered || !stdout.includes('(y/N)')) return
        answered = true
        assert.match(stdout, /Delete 104 tag\(s\) \(104 image\(s\)\) in 32 repositories of /)
        second = await runCli(['cleanup', policy, '--yes', '--lock-dir', dir()])
        waiting = runCli(['cleanup', policy, '--yes', '--lock-wait', '60', '--lock-dir', dir()])
        await new Promise((done) => setTimeout(done, 1500))
        child.stdin.write('y\r')
      })
      child.on('error', reject)
      child.on('close', (code) => resolve({code: code ?? -1, stdout}))
    })
    assert.equal(first.code, 0, first.stdout)
    assert.equal(second!.code, ExitCode.LOCKED)
    assert.match(
      second!.stderr,
      /^registryctl: another cleanup of 127\.0\.0\.1:\d+ is running \(pid \d+ since [^)]+\): lock \S+ is held \(another cleanup/m,
    )
    const third = await waiting!
    assert.equal(third.code, 0, third.stderr)
    assert.match(third.stdout, /Summary: delete 0 tag\(s\)/)
    assert.deepEqual(await remaining(fleet), keptBy(await readPlan(planFile)))
  })

  describe('on a read-only registry', () => {
    const readOnly = useRegistry({readOnly: true})

    it('is refused by the preflight, before any deletion: exit 8, one line, nothing deleted', async () => {
      const fleet = writeFleet(readOnly(), 'frozen', {team: 3, ci: 1})
      const policy = join(dir(), 'frozen.yaml')
      await writeFile(policy, fleetPolicy(readOnly().host, 'frozen'))
      const {code, stdout, stderr} = await runCli(['cleanup', policy, '--yes', '--lock-dir', dir()])
      assert.equal(code, ExitCode.UNSUPPORTED, stderr)
      assert.match(stderr, /^registryctl: .* refuses writes \(read-only\/maintenance mode\)/)
      assert.equal(stderr.trim().split('\n').length, 1, stderr)
      assert.doesNotMatch(stdout, /\[(?:DONE|FAIL|SKIPPED)\]|^stopped: /m)
      const tags = await Promise.all(
        [...fleet.repositories.keys()].map(
          async (name) => [name, (await localSession().client({host: readOnly().host}).tags(name)).sort()] as const,
        ),
      )
      assert.deepEqual(new Map(tags), fleet.repositories)
    })
  })
})
