/**
 * Two accounts for one host, as on a Wikimedia build host: the push account (everything but
 * restricted/) in docker's config, and the read account for restricted/ beside it, from
 * `login --repository` or from the settings. Each request carries the account that serves it.
 */
import {strict as assert} from 'node:assert'
import {readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {runCli} from '../helpers/cli.js'
import {USERS, useProduction} from '../helpers/production.js'

describe('several accounts for one registry host @integration', () => {
  const production = useProduction()
  const tls = () => ['--ca-file', production().caFile]
  let dockerConfig: string
  let env: NodeJS.ProcessEnv
  before(async () => {
    dockerConfig = await production().dockerConfig(production().front, USERS.push)
    env = {
      DOCKER_CONFIG: dockerConfig,
      REGISTRYCTL_ACCOUNTS_FILE: join(production().dir, 'accounts', 'credentials.json'),
    }
  })

  const restrictedTags = (extra: NodeJS.ProcessEnv = {}) =>
    runCli(['list-tags', `${production().front}/restricted/secret-app`, ...tls()], {env: {...env, ...extra}})
  const dryRun = (extra: NodeJS.ProcessEnv = {}) =>
    runCli(['delete-tags', `${production().front}/team/app:2021-03-*`, '--dry-run', ...tls()], {
      env: {...env, ...extra},
    })

  it('the push account alone: pushes outside restricted/, cannot read restricted/', async () => {
    assert.equal((await dryRun()).code, 0)
    const refused = await restrictedTags()
    assert.equal(refused.code, ExitCode.UNAUTHORIZED, refused.stderr)
    assert.match(refused.stderr, /rejected credentials from .*config\.json auths/)
  })

  it('login --repository adds the read account for restricted/ and keeps the push account', async () => {
    const before = await readFile(join(dockerConfig, 'config.json'), 'utf8')
    const {username, password} = USERS.restrictedRead
    const login = await runCli(
      ['login', production().front, '--repository', 'restricted', '--username', username, '--password-stdin', ...tls()],
      {input: password, env},
    )
    assert.equal(login.code, 0, login.stderr)
    assert.match(
      login.stderr,
      /Verified by reading restricted .*Stored for 127\.0\.0\.1:\d+\/restricted in .*credentials\.json/,
    )
    assert.equal(await readFile(join(dockerConfig, 'config.json'), 'utf8'), before, "docker's config is untouched")
    assert.equal((await stat(env.REGISTRYCTL_ACCOUNTS_FILE!)).mode & 0o777, 0o600)

    // restricted/ with the read account; the rest (deletes) with the push account.
    const read = await restrictedTags()
    assert.equal(read.code, 0, read.stderr)
    assert.match(read.stdout, /restricted\/secret-app:/)
    const listing = await runCli(['list-images', production().front, ...tls()], {env})
    assert.equal(listing.code, 0, listing.stderr)
    assert.match(listing.stdout, /restricted\/secret-app/)
    const dry = await dryRun()
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /2021-03-02-101010-production/)

    // The read account alone cannot delete: the dry run's preflight used the push account above.
    const readOnly = await dryRun({DOCKER_CONFIG: '/nonexistent-docker-config'})
    assert.notEqual(readOnly.code, 0)

    const config = await runCli(['config', production().front, '--json'], {env})
    const shown = JSON.parse(config.stdout) as {accounts: Array<Record<string, string>>}
    assert.deepEqual(
      shown.accounts.map(({repository, username: user, declaredIn}) => ({repository, user, declaredIn})),
      [{repository: 'restricted', user: username, declaredIn: 'login --repository'}],
    )
    assert.doesNotMatch(config.stdout, new RegExp(password))

    const logout = await runCli(['logout', production().front, '--repository', 'restricted/'], {env})
    assert.equal(logout.code, 0, logout.stderr)
    assert.equal((await restrictedTags()).code, ExitCode.UNAUTHORIZED)
    assert.equal(await readFile(join(dockerConfig, 'config.json'), 'utf8'), before, 'logout kept the push account')
  })

  it('accounts from the settings: by repository prefix (a file) and by realm (an environment variable)', async () => {
    const secret = join(production().dir, 'k8s-read.password')
    await writeFile(secret, `${USERS.restrictedRead.password}\n`)
    const byPrefix = join(production().dir, 'accounts-prefix.yaml')
    await writeFile(
      byPrefix,
      `registries:\n  ${production().front}:\n    accounts:\n      - repository: restricted\n        username: ${USERS.restrictedRead.username}\n        password-file: ${secret}\n`,
    )
    const read = await restrictedTags({REGISTRYCTL_CONFIG: byPrefix})
    assert.equal(read.code, 0, read.stderr)
    assert.equal((await dryRun({REGISTRYCTL_CONFIG: byPrefix})).code, 0)

    const byRealm = join(production().dir, 'accounts-realm.yaml')
    await writeFile(
      byRealm,
      `registries:\n  ${production().front}:\n    accounts:\n      - realm: docker-registry restricted (restricted-read)\n        username: ${USERS.restrictedRead.username}\n        password-env: READ_PASSWORD\n`,
    )
    const viaRealm = await restrictedTags({REGISTRYCTL_CONFIG: byRealm, READ_PASSWORD: USERS.restrictedRead.password})
    assert.equal(viaRealm.code, 0, viaRealm.stderr)
    const listing = await runCli(['list-images', production().front, ...tls()], {
      env: {...env, REGISTRYCTL_CONFIG: byRealm, READ_PASSWORD: USERS.restrictedRead.password},
    })
    assert.equal(listing.code, 0, listing.stderr)
    assert.equal((await dryRun({REGISTRYCTL_CONFIG: byRealm, READ_PASSWORD: 'unused'})).code, 0)
  })
})
