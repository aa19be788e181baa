import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {SAMPLE_NAKED_TAG, seedSamples} from '../../src/sandbox/seed.js'
import {runCli} from '../helpers/cli.js'
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

  it("prints docker-registryctl's layout, tags oldest first, naked tags hidden", async () => {
    const {code, stdout, stderr} = await runCli(['list-images', registry().host])
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
    const {code, stdout} = await runCli(['list-images', registry().host, '--sort', 'name', '--select', 'team/a*', '--all-tags'])
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

  it('gives digests, media types and dates with --json', async () => {
    const {code, stdout} = await runCli(['list-images', `http://${registry().host}`, '--select', 'base/*', '--json'])
    assert.equal(code, 0)
    const result = JSON.parse(stdout) as {registry: string; repositories: Array<{name: string; tags: Array<{tag: string; digest: string; created: string}>}>}
    assert.equal(result.registry, registry().host)
    assert.deepEqual(result.repositories.map((r) => r.name), ['base/multiarch'])
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
    const {code, stderr} = await runCli(['list-images', '--username', 'ci', '--password-stdin'], {input: 'hunter2-secret\n'})
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
