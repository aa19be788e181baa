import {strict as assert} from 'node:assert'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {type RunningRegistry, startRegistry} from '../../src/sandbox/registry-process.js'
import {seedSamples} from '../../src/sandbox/seed.js'
import {runCli} from '../helpers/cli.js'
import {type RunningNginx, startNginx, USERS} from '../helpers/nginx.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'
import {type RunningTokenServer, startTokenServer, tokenAuthOf} from '../helpers/token-server.js'
import {assertOneLineError} from './list-images.test.js'

describe('login / logout against the nginx realms @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  const dir = useTempDir('login')
  let nginx: RunningNginx
  before(async () => {
    nginx = await startNginx(registry().host)
  })
  after(() => nginx?.stop())

  const env = () => ({DOCKER_CONFIG: join(dir(), 'docker')})
  const configFile = () => join(dir(), 'docker', 'config.json')
  const tls = () => ['--ca-file', nginx.pki.caCert]

  it('verifies against the restricted-read realm before storing, and round-trips: list, logout, list', async () => {
    const user = USERS.restrictedRead
    const login = (password: string, ...extra: string[]) =>
      runCli(
        [
          'login',
          nginx.host,
          ...tls(),
          '--username',
          user.username,
          '--password-stdin',
          '--verify-repository',
          'restricted/secret-app',
          ...extra,
        ],
        {input: `${password}\n`, env: env()},
      )
    const wrong = await login('not-the-password')
    assert.equal(wrong.code, ExitCode.UNAUTHORIZED, wrong.stderr)
    assert.ok(!existsSync(configFile()), 'rejected credentials are not stored')
    assert.ok(!wrong.stderr.includes('not-the-password'))

    const ok = await login(user.password)
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(ok.stdout, 'Login Succeeded\n')
    assert.match(ok.stderr, /Verified by reading restricted\/secret-app/)
    const stored = JSON.parse(readFileSync(configFile(), 'utf8')) as {auths: Record<string, {auth: string}>}
    assert.equal(Buffer.from(stored.auths[nginx.host]!.auth, 'base64').toString(), `${user.username}:${user.password}`)

    const listed = await runCli(['list-images', nginx.host, ...tls()], {env: env()})
    assert.equal(listed.code, 0, listed.stderr)
    assert.match(listed.stdout, /\nrestricted\/secret-app:\n {2}- 1\.0\n/)

    const logout = await runCli(['logout', nginx.host], {env: env()})
    assert.deepEqual([logout.code, logout.stdout], [0, `Removing login credentials for ${nginx.host}\n`])
    assert.deepEqual(JSON.parse(readFileSync(configFile(), 'utf8')).auths, {})
    const again = await runCli(['logout', nginx.host], {env: env()})
    assert.equal(again.stdout, `Not logged in to ${nginx.host}\n`)
    const partial = await runCli(['list-images', nginx.host, ...tls()], {env: env()})
    assert.equal(partial.code, ExitCode.LISTING_PARTIAL)
  })

  it('verifies push credentials with --push (an upload opened and cancelled), and refuses what nothing asked for', async () => {
    const user = USERS.push
    const push = await runCli(
      [
        'login',
        nginx.host,
        ...tls(),
        '-u',
        user.username,
        '--password-stdin',
        '--verify-repository',
        'team/app',
        '--push',
      ],
      {input: user.password, env: env()},
    )
    assert.equal(push.code, 0, push.stderr)
    assert.match(push.stderr, /Verified by a push to team\/app/)
    const unverifiable = await runCli(['login', nginx.host, ...tls(), '-u', user.username, '--password-stdin'], {
      input: user.password,
      env: env(),
    })
    assert.equal(unverifiable.code, ExitCode.USAGE)
    assertOneLineError(
      unverifiable.stderr,
      /cannot verify the credentials: .* did not ask for them \(\/v2\/ is open to anonymous reads\) \(name a repository/,
    )
    const unchecked = await runCli(['login', nginx.host, '-u', user.username, '--password-stdin', '--no-verify'], {
      input: user.password,
      env: env(),
    })
    assert.equal(unchecked.code, 0, unchecked.stderr)
    assert.match(unchecked.stderr, /Not verified/)
  })

  it('never takes a password from a flag, and wants it on a pipe when stdin is not a terminal', async () => {
    const flag = await runCli(['login', nginx.host, '-u', 'ci', '--password', 'x'], {env: env()})
    assert.equal(flag.code, ExitCode.USAGE)
    assertOneLineError(flag.stderr, /password/)
    const noPipe = await runCli(['login', nginx.host, '-u', 'ci'], {env: env()})
    assert.equal(noPipe.code, ExitCode.USAGE)
    assertOneLineError(
      noPipe.stderr,
      /pass the password on stdin with --password-stdin \(there is no --password flag\)/,
    )
  })
})

describe('login against a token server (the registry asks at /v2/) @integration', () => {
  const dir = useTempDir('login-token')
  let tokens: RunningTokenServer
  let registry: RunningRegistry
  const admin = {username: 'admin', password: 'admin-pw'}
  const reader = {username: 'reader', password: 'reader-pw'}
  before(async function () {
    this.timeout(60_000)
    tokens = await startTokenServer({
      [admin.username]: {password: admin.password, actions: ['pull', 'push', 'delete'], catalog: true},
      [reader.username]: {password: reader.password, actions: ['pull']},
    })
    registry = await startRegistry({tokenAuth: tokenAuthOf(tokens)})
    await seedSamples(localSession({explicit: admin}).client({host: registry.host}))
  })
  after(async () => {
    await registry?.stop()
    await tokens?.stop()
  })

  it('verifies at /v2/ through the token server, stores nothing when refused, and the stored login then works', async () => {
    const env = {DOCKER_CONFIG: join(dir(), 'docker')}
    const refused = await runCli(['login', registry.host, '-u', reader.username, '--password-stdin'], {
      input: 'wrong-pw',
      env,
    })
    assert.equal(refused.code, ExitCode.UNAUTHORIZED, refused.stderr)
    assert.match(refused.stderr, /token server 127\.0\.0\.1:\d+ refused a token/)
    assert.ok(!existsSync(join(dir(), 'docker', 'config.json')))
    const ok = await runCli(['login', registry.host, '-u', reader.username, '--password-stdin'], {
      input: reader.password,
      env,
    })
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stderr, /Verified by GET \/v2\/ on 127\.0\.0\.1:\d+/)
    const listed = await runCli(['list-tags', `${registry.host}/team/app:2021-*`], {env})
    assert.equal(listed.code, 0, listed.stderr)
    assert.equal(listed.stdout, '-- \nteam/app:\n  - 2021-03-02-101010-production\n  - 2021-07-28-175322-production\n')
    assert.equal((await runCli(['logout', registry.host], {env})).code, 0)
    assert.equal((await runCli(['list-tags', `${registry.host}/team/app`], {env})).code, ExitCode.UNAUTHORIZED)
  })
})
