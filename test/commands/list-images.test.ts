import {strict as assert} from 'node:assert'
import {mkdtemp, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {SAMPLE_NAKED_TAG, seedSamples} from '../../src/sandbox/seed.js'
import {runCli, runCliInTerminal} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'

/** A failure is one line on stderr, no stack trace. */
export function assertOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`)
  assert.match(lines[0]!, /^registryctl: /)
  assert.match(lines[0]!, pattern)
}

describe('list-images @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))

  it("prints docker-registryctl's layout, tags oldest first with --sort created, naked tags hidden", async () => {
    const {code, stdout, stderr} = await runCli(['list-images', registry().host, '--sort', 'created'])
    assert.equal(stderr, '')
    assert.equal(code, 0)
    assert.equal(
      stdout,
      [
        '-- ',
        'base/multiarch:',
        '  - bullseye',
        '  - bookworm',
        'restricted/secret-app:',
        '  - 1.0',
        'team/app:',
        '  - 2021-03-02-101010-production',
        '  - 2021-07-28-175322-production',
        '  - stable',
        '  - 2022-01-15-090000-production',
        '  - latest',
        'team/oci-tool:',
        '  - 1.0.0',
        '  - 1.1.0',
        '  - latest',
        '',
      ].join('\n'),
    )
  })

  it('sorts by name, selects repositories by glob and shows naked tags with --all-tags', async () => {
    const {code, stdout} = await runCli([
      'list-images',
      registry().host,
      '--sort',
      'name',
      '--select',
      'team/a*',
      '--all-tags',
    ])
    assert.equal(code, 0)
    assert.deepEqual(stdout.trimEnd().split('\n'), [
      '-- ',
      'team/app:',
      '  - 2021-03-02-101010-production',
      '  - 2021-07-28-175322-production',
      '  - 2022-01-15-090000-production',
      `  - ${SAMPLE_NAKED_TAG}`,
      '  - latest',
      '  - stable',
    ])
  })

  it('orders tags by name by default, from the tag lists alone', async () => {
    const {code, stdout, stderr} = await runCli(['list-images', registry().host, '--select', 'team/app', '--json'])
    assert.equal(stderr, '')
    assert.equal(code, 0)
    const result = JSON.parse(stdout) as {
      repositories: Array<{name: string; tags: Array<{tag: string; digest?: string}>}>
    }
    assert.deepEqual(
      result.repositories[0]!.tags,
      [
        '2021-03-02-101010-production',
        '2021-07-28-175322-production',
        '2022-01-15-090000-production',
        'latest',
        'stable',
      ].map((tag) => ({tag})),
    )
  })

  it('shows progress on a terminal (stderr), and nothing extra without one', async () => {
    const {code, stdout} = await runCliInTerminal(['list-images', registry().host, '--sort', 'created'], '')
    assert.equal(code, 0)
    // The last frame, drawn when the work is done, then erased before the listing.
    assert.match(
      stdout,
      /\rlisting: 4\/4 repositories, 11\/11 tags, \d+ requests \(\d+\/s\)\u001B\[K\r\u001B\[K-- \r\nbase\/multiarch:/,
    )
    const piped = await runCli(['list-images', registry().host, '--sort', 'created'])
    assert.equal(piped.stderr, '')
    assert.doesNotMatch(piped.stdout, /listing|\r/)
  })

  it('keeps manifests and configs by digest between runs in $XDG_CACHE_HOME: a second --sort created asks only for tags', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'registryctl-cache-'))
    try {
      const run = (...extra: string[]) =>
        runCli(['list-images', registry().host, '--sort', 'created', '--debug', ...extra], {
          env: {XDG_CACHE_HOME: cache},
        })
      const requests = (stderr: string, pattern: RegExp) =>
        stderr.split('\n').filter((line) => /^debug: (GET|HEAD) /.test(line) && pattern.test(line)).length
      const byDigest = /\/(manifests|blobs)\/sha256:/
      const cold = await run()
      const warm = await run()
      const uncached = await run('--no-cache')
      assert.equal(cold.code, 0)
      assert.ok(requests(cold.stderr, byDigest) > 0)
      assert.equal(requests(warm.stderr, byDigest), 0, warm.stderr)
      // Tags are always asked of the registry: every tag's manifest, by tag, on every run.
      assert.equal(requests(warm.stderr, /\/manifests\/(?!sha256:)/), requests(cold.stderr, /\/manifests\/(?!sha256:)/))
      assert.equal(requests(uncached.stderr, byDigest), requests(cold.stderr, byDigest))
      assert.equal(warm.stdout, cold.stdout)
      assert.equal(uncached.stdout, cold.stdout)
      assert.ok((await readdir(join(cache, 'registryctl', 'sha256'))).length > 0)
    } finally {
      await rm(cache, {recursive: true, force: true})
    }
  })

  it('keeps no cache for an account whose home does not exist, and does not create that home', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'registryctl-home-'))
    try {
      // A system user's HOME, as for a timer's job (/nonexistent); XDG_CACHE_HOME unset.
      const home = join(parent, 'nonexistent')
      const {code, stdout} = await runCli(['list-images', registry().host, '--sort', 'created'], {
        env: {HOME: home, XDG_CACHE_HOME: ''},
      })
      assert.equal(code, 0)
      assert.match(stdout, /^base\//m)
      assert.deepEqual(await readdir(parent), [])
    } finally {
      await rm(parent, {recursive: true, force: true})
    }
  })

  it('gives digests, media types and dates with --json --sort created', async () => {
    const {code, stdout} = await runCli([
      'list-images',
      `http://${registry().host}`,
      '--select',
      'base/*',
      '--json',
      '--sort',
      'created',
    ])
    assert.equal(code, 0)
    const result = JSON.parse(stdout) as {
      registry: string
      repositories: Array<{name: string; tags: Array<{tag: string; digest: string; created: string}>}>
    }
    assert.equal(result.registry, registry().host)
    assert.deepEqual(
      result.repositories.map((r) => r.name),
      ['base/multiarch'],
    )
    assert.match(result.repositories[0]!.tags[0]!.digest, /^sha256:[a-f0-9]{64}$/)
  })

  it('refuses an image where a registry is expected, with exit code 2', async () => {
    const {code, stdout, stderr} = await runCli(['list-images', `${registry().host}/team/app`])
    assert.equal(code, ExitCode.USAGE)
    assert.equal(stdout, '')
    assertOneLineError(stderr, /expected a registry host/)
  })

  it('reports a refused connection with exit code 3', async () => {
    const {code, stderr} = await runCli(['list-images', '127.0.0.1:9', '--retries', '0'])
    assert.equal(code, ExitCode.UNREACHABLE)
    assertOneLineError(stderr, /connection refused by 127.0.0.1:9/)
  })

  it('never takes a missing argument from stdin, where the password is', async () => {
    const {code, stderr} = await runCli(['list-images', '--username', 'ci', '--password-stdin'], {
      input: 'hunter2-secret\n',
    })
    assert.equal(code, ExitCode.USAGE)
    assertOneLineError(stderr, /^registryctl: Missing 1 required arg: registry \(see --help\)$/)
    assert.doesNotMatch(stderr, /hunter2/)
  })

  it('reports an unknown flag as bad input', async () => {
    const {code, stderr} = await runCli(['list-images', registry().host, '--frobnicate'])
    assert.equal(code, ExitCode.USAGE)
    assertOneLineError(stderr, /frobnicate/)
  })
})
