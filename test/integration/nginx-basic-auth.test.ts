/**
 * The production shape: distribution behind nginx with TLS from a private CA and Basic-auth realms
 * (reads open, writes and restricted/ behind passwords).
 */
import {strict as assert} from 'node:assert'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Session} from '../../src/lib/registry/client.js'
import {ExitCode, type RegistryCtlError} from '../../src/lib/errors.js'
import {buildImage} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {seedSamples} from '../../src/sandbox/seed.js'
import {assertOneLineError} from '../commands/list-images.test.js'
import {runCli} from '../helpers/cli.js'
import {type RunningNginx, startNginx, USERS} from '../helpers/nginx.js'
import {localSession, useRegistry} from '../helpers/registry.js'

describe('nginx TLS and Basic-auth realms in front of distribution @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  let nginx: RunningNginx
  let dockerConfig: string
  before(async () => {
    nginx = await startNginx(registry().host)
    dockerConfig = await mkdtemp(join(tmpdir(), 'registryctl-docker-config-'))
  })
  after(async () => {
    await nginx?.stop()
    await rm(dockerConfig, {recursive: true, force: true})
  })

  const tls = () => ['--ca-file', nginx.pki.caCert]

  it('fails with exit code 4 and a --ca-file hint when the CA is not trusted', async () => {
    const {code, stderr} = await runCli(['list-images', nginx.host, '--retries', '0'])
    assert.equal(code, ExitCode.TLS)
    assertOneLineError(stderr, /TLS failure talking to 127\.0\.0\.1:\d+: .*--ca-file/)
  })

  it('lists over HTTPS with --ca-file (reads are open), and with --insecure', async () => {
    const trusted = await runCli(['list-tags', `${nginx.host}/team/app:2021-*`, ...tls()])
    assert.equal(trusted.code, 0, trusted.stderr)
    assert.equal(trusted.stdout, '-- \nteam/app:\n  - 2021-03-02-101010-production\n  - 2021-07-28-175322-production\n')
    const insecure = await runCli(['resolve', `${nginx.host}/team/app:stable`, '--insecure'])
    assert.equal(insecure.code, 0, insecure.stderr)
  })

  it('answers the restricted-read realm: 401 naming the sources tried, then with --password-stdin', async () => {
    const anonymous = await runCli(['list-tags', `${nginx.host}/restricted/secret-app`, ...tls()])
    assert.equal(anonymous.code, ExitCode.UNAUTHORIZED)
    assertOneLineError(
      anonymous.stderr,
      /authentication required by 127\.0\.0\.1:\d+: no credentials found \(tried: \/nonexistent-docker-config\/config\.json \(absent\)\) \(for \/v2\/restricted\/secret-app\/tags\/list, realm "docker-registry restricted \(restricted-read\)"\)/,
    )
    const user = USERS.restrictedRead
    const withPassword = await runCli(
      ['list-tags', `${nginx.host}/restricted/secret-app`, ...tls(), '--username', user.username, '--password-stdin'],
      {input: `${user.password}\n`},
    )
    assert.equal(withPassword.code, 0, withPassword.stderr)
    assert.equal(withPassword.stdout, '-- \nrestricted/secret-app:\n  - 1.0\n')
  })

  it('lists what it can read when a restricted/ repository answers 401: names it and its realm on stderr, exit 15', async () => {
    const anonymous = await runCli(['list-images', nginx.host, ...tls(), '--sort', 'name'])
    assert.equal(anonymous.code, ExitCode.LISTING_PARTIAL, anonymous.stderr)
    assert.match(anonymous.stdout, /^-- \nbase\/multiarch:\n[^]*team\/app:\n {2}- 2021-03-02-101010-production\n/)
    assert.doesNotMatch(anonymous.stdout, /restricted/)
    assert.equal(
      anonymous.stderr,
      'registryctl: not listed: restricted/secret-app: authentication required (401) by realm "docker-registry restricted (restricted-read)"; the other repositories are listed (exit code 15)\n',
    )
    const json = await runCli(['list-images', nginx.host, ...tls(), '--sort', 'name', '--json'])
    assert.equal(json.code, ExitCode.LISTING_PARTIAL)
    const result = JSON.parse(json.stdout) as {
      repositories: Array<{name: string}>
      unreadable: Array<{name: string; status: number; realm: string}>
    }
    assert.deepEqual(
      result.unreadable.map(({name, status, realm}) => ({name, status, realm})),
      [{name: 'restricted/secret-app', status: 401, realm: 'docker-registry restricted (restricted-read)'}],
    )
    assert.ok(result.repositories.some((repository) => repository.name === 'team/app'))
    const user = USERS.restrictedRead
    const full = await runCli(
      ['list-images', nginx.host, ...tls(), '--sort', 'name', '--username', user.username, '--password-stdin'],
      {input: user.password},
    )
    assert.equal(full.code, 0, full.stderr)
    assert.match(full.stdout, /\nrestricted\/secret-app:\n {2}- 1\.0\n/)
  })

  it('takes credentials from docker config auths, and names the source when they are rejected, never the secret', async () => {
    const user = USERS.restrictedRead
    const write = (password: string) =>
      writeFile(
        join(dockerConfig, 'config.json'),
        JSON.stringify({
          auths: {[`https://${nginx.host}`]: {auth: Buffer.from(`${user.username}:${password}`).toString('base64')}},
        }),
      )
    await write(user.password)
    const ok = await runCli(['resolve', `${nginx.host}/restricted/secret-app:1.0`, ...tls()], {
      env: {DOCKER_CONFIG: dockerConfig},
    })
    assert.equal(ok.code, 0, ok.stderr)
    await write('wrong-password-xyz')
    const rejected = await runCli(['resolve', `${nginx.host}/restricted/secret-app:1.0`, ...tls(), '--debug'], {
      env: {DOCKER_CONFIG: dockerConfig},
    })
    assert.equal(rejected.code, ExitCode.UNAUTHORIZED)
    assert.match(
      rejected.stderr,
      /registryctl: 127\.0\.0\.1:\d+ rejected credentials from .*config\.json auths\["https:\/\/127\.0\.0\.1:\d+"\]/,
    )
    assert.ok(
      !rejected.stderr.includes('wrong-password-xyz'),
      'the password must never be printed, not even with --debug',
    )
    assert.ok(!rejected.stderr.includes(Buffer.from(`${user.username}:wrong-password-xyz`).toString('base64')))
  })

  it('pushes behind the regular-push realm only with its credentials', async () => {
    const image = buildImage({created: '2025-01-01T00:00:00Z', layers: ['nginx push test']})
    const anonymous = new Session({caFile: nginx.pki.caCert, ignoreDockerConfig: true}).client({host: nginx.host})
    await assert.rejects(
      pushImage(anonymous, 'team/pushed', ['v1'], image),
      (error: RegistryCtlError) => error.exitCode === ExitCode.UNAUTHORIZED,
    )
    const pusher = new Session({caFile: nginx.pki.caCert, explicit: USERS.push}).client({host: nginx.host})
    assert.equal(await pushImage(pusher, 'team/pushed', ['v1'], image), image.digest)
    assert.equal((await anonymous.resolve('team/pushed', 'v1')).digest, image.digest)
  })
})
