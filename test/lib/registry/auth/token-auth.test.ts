/** Bearer token auth against distribution 2.8 configured with `auth: token` and a real token server. */
import {strict as assert} from 'node:assert'

import {ExitCode, type RegistryCtlError} from '../../../../src/lib/errors.js'
import {Inventory} from '../../../../src/lib/registry/inventory.js'
import {type RunningRegistry, startRegistry} from '../../../../src/sandbox/registry-process.js'
import {seedSamples} from '../../../../src/sandbox/seed.js'
import {runCli} from '../../../helpers/cli.js'
import {localSession} from '../../../helpers/registry.js'
import {type RunningTokenServer, startTokenServer, tokenAuthOf} from '../../../helpers/token-server.js'

const ADMIN = {username: 'admin', password: 'admin-pw'}
const READER = {username: 'reader', password: 'reader-pw'}

describe('auth: Bearer tokens from a token server @integration', () => {
  let tokens: RunningTokenServer
  let registry: RunningRegistry
  before(async function () {
    this.timeout(60_000)
    tokens = await startTokenServer({
      [ADMIN.username]: {password: ADMIN.password, actions: ['pull', 'push', 'delete'], catalog: true},
      [READER.username]: {password: READER.password, actions: ['pull']},
    })
    registry = await startRegistry({tokenAuth: tokenAuthOf(tokens)})
    await seedSamples(localSession({explicit: ADMIN}).client({host: registry.host}))
  })
  after(async () => {
    await registry?.stop()
    await tokens?.stop()
  })

  it('lists the catalog and tags with one token per scope, fetched once', async () => {
    tokens.requests.length = 0
    const inventory = new Inventory(localSession({explicit: ADMIN}).client({host: registry.host}))
    const {repositories: listed} = await inventory.listImages({sort: 'created', select: 'team/*'})
    assert.deepEqual(
      listed.map((r) => r.name),
      ['team/app', 'team/oci-tool'],
    )
    const scopes = tokens.requests.map((r) => r.scopes.join(' '))
    assert.ok(scopes.includes('registry:catalog:*'), scopes.join('\n'))
    // Dozens of requests per repository, but one token per repository scope.
    assert.equal(scopes.filter((s) => s === 'repository:team/app:pull').length, 1, scopes.join('\n'))
    assert.ok(tokens.requests.every((r) => r.user === 'admin'))
  })

  it('works through the CLI with --password-stdin', async () => {
    const {code, stdout, stderr} = await runCli(
      ['resolve', `${registry.host}/base/multiarch:bookworm`, '--username', READER.username, '--password-stdin'],
      {input: READER.password},
    )
    assert.equal(code, 0, stderr)
    assert.match(stdout, /^sha256:[a-f0-9]{64}\n$/)
  })

  it('fails with exit code 5 when the token does not grant the scope', async () => {
    // The reader may pull but not read the catalog: the registry answers 401 insufficient_scope.
    const {code, stderr} = await runCli(
      ['list-images', registry.host, '--username', READER.username, '--password-stdin'],
      {input: READER.password},
    )
    assert.equal(code, ExitCode.UNAUTHORIZED)
    assert.match(stderr, /rejected credentials from --username\/--password-stdin/)
  })

  it('names the token server when it refuses the credentials', async () => {
    const session = localSession({explicit: {username: READER.username, password: 'wrong'}})
    await assert.rejects(session.client({host: registry.host}).tags('team/app'), (error: RegistryCtlError) => {
      return (
        error.exitCode === ExitCode.UNAUTHORIZED &&
        /token server 127\.0\.0\.1:\d+ refused a token for repository:team\/app:pull/.test(error.message) &&
        !error.message.includes('wrong')
      )
    })
  })
})
