import {strict as assert} from 'node:assert'
import {copyFileSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {seedSamples} from '../../src/sandbox/seed.js'
import {runCli} from '../helpers/cli.js'
import {type RunningNginx, startNginx, USERS} from '../helpers/nginx.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'
import {assertOneLineError} from './list-images.test.js'

describe('settings files, certs.d and config @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  const dir = useTempDir('config')
  let nginx: RunningNginx
  before(async () => {
    nginx = await startNginx(registry().host)
  })
  after(() => nginx?.stop())

  const write = (name: string, text: string) => {
    writeFileSync(join(dir(), name), text)
    return join(dir(), name)
  }

  it('uses the default registry for a name without a host, and aliases for registries', async () => {
    const user = write('user.yaml', `default-registry: ${registry().host}\naliases:\n  sandbox: ${registry().host}\n`)
    const env = {REGISTRYCTL_CONFIG: user}
    const short = await runCli(['list-tags', 'team/app:2021-*'], {env})
    assert.equal(short.code, 0, short.stderr)
    assert.equal(short.stdout, '-- \nteam/app:\n  - 2021-03-02-101010-production\n  - 2021-07-28-175322-production\n')
    const alias = await runCli(['resolve', 'sandbox/team/app:stable'], {env})
    assert.equal(alias.code, 0, alias.stderr)
    assert.match(alias.stdout, /^sha256:[a-f0-9]{64}\n$/)
    const none = await runCli(['list-tags', 'wikimedia/app'])
    assert.equal(none.code, ExitCode.USAGE)
    assertOneLineError(none.stderr, /no registry host, and no default registry is configured/)
  })

  it("takes a registry's CA from its registries entry, or from docker's certs.d, without --ca-file", async () => {
    const untrusted = await runCli(['list-tags', `${nginx.host}/team/app:2021-03-*`, '--retries', '0'])
    assert.equal(untrusted.code, ExitCode.TLS)
    const user = write('tls.yaml', `registries:\n  ${nginx.host}:\n    ca-file: ${nginx.pki.caCert}\n`)
    const fromFile = await runCli(['list-tags', `${nginx.host}/team/app:2021-03-*`], {env: {REGISTRYCTL_CONFIG: user}})
    assert.equal(fromFile.code, 0, fromFile.stderr)
    assert.equal(fromFile.stdout, '-- \nteam/app:\n  - 2021-03-02-101010-production\n')
    const certs = join(dir(), 'certs.d')
    mkdirSync(join(certs, nginx.host), {recursive: true})
    copyFileSync(nginx.pki.caCert, join(certs, nginx.host, 'ca.crt'))
    const fromCertsD = await runCli(['list-tags', `${nginx.host}/team/app:2021-03-*`], {
      env: {REGISTRYCTL_CERTS_D: certs},
    })
    assert.equal(fromCertsD.code, 0, fromCertsD.stderr)
    const fromSslCertFile = await runCli(['list-tags', `${nginx.host}/team/app:2021-03-*`], {
      env: {SSL_CERT_FILE: nginx.pki.caCert},
    })
    assert.equal(fromSslCertFile.code, 0, fromSslCertFile.stderr)
  })

  it('applies flags > environment > user file > system file, and shows where each value came from', async () => {
    const system = write(
      'system.yaml',
      `timeout: 50\nretries: 3\nconcurrency: 2\nregistries:\n  ${registry().host}:\n    credentials: none\n`,
    )
    const user = write('user2.yaml', 'timeout: 40\nretries: 1\n')
    const env = {REGISTRYCTL_SYSTEM_CONFIG: system, REGISTRYCTL_CONFIG: user, REGISTRYCTL_CONCURRENCY: '5'}
    const {code, stdout, stderr} = await runCli(['config', registry().host, '--timeout', '7', '--json'], {env})
    assert.equal(code, 0, stderr)
    const shown = JSON.parse(stdout) as {
      settings: Record<string, {value: unknown; from: string}>
      files: Array<{path: string; found: boolean}>
    }
    assert.deepEqual(shown.settings.timeout, {value: 7, from: 'flags'})
    assert.deepEqual(shown.settings.concurrency, {value: 5, from: 'environment'})
    assert.deepEqual(shown.settings.retries, {value: 1, from: user})
    assert.deepEqual(shown.settings.credentials, {value: 'none', from: `${system} (registries.${registry().host})`})
    assert.deepEqual(shown.files, [
      {path: system, found: true},
      {path: user, found: true},
    ])
    const text = await runCli(['config', registry().host], {env})
    assert.match(text.stdout, /^ {2}retries: +1 +from .*user2\.yaml$/m)
  })

  it('shows which credentials a registry gets, never the secret', async () => {
    const dockerConfig = join(dir(), 'docker')
    mkdirSync(dockerConfig, {recursive: true})
    const secret = 'very-secret-password-42'
    writeFileSync(
      join(dockerConfig, 'config.json'),
      JSON.stringify({
        auths: {[nginx.host]: {auth: Buffer.from(`${USERS.push.username}:${secret}`).toString('base64')}},
      }),
    )
    for (const json of [false, true]) {
      const {code, stdout} = await runCli(['config', nginx.host, ...(json ? ['--json'] : [])], {
        env: {DOCKER_CONFIG: dockerConfig},
      })
      assert.equal(code, 0)
      assert.match(stdout, new RegExp(USERS.push.username))
      assert.match(stdout, /redacted/)
      assert.ok(
        !stdout.includes(secret) &&
          !stdout.includes(Buffer.from(`${USERS.push.username}:${secret}`).toString('base64')),
        stdout,
      )
    }
  })

  it('refuses a broken settings file with its line, exit 2', async () => {
    const bad = write('bad.yaml', 'timeout: 30\nconcurency: 4\n')
    const {code, stderr} = await runCli(['list-tags', `${registry().host}/team/app`], {env: {REGISTRYCTL_CONFIG: bad}})
    assert.equal(code, ExitCode.USAGE)
    assertOneLineError(stderr, /bad\.yaml:2: unknown setting "concurency"/)
  })
})
