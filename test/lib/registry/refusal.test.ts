/**
 * A 401 names what refused: the repository path and the realm of the challenge, whether the request
 * went without credentials or with stored ones (docker's config.json, --username) that were rejected.
 */
import {strict as assert} from 'node:assert'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import nock from 'nock'

import {UnauthorizedError} from '../../../src/lib/errors.js'
import {HOST, REGISTRY, testSession, useNock} from '../../helpers/nock.js'

const REALM = 'docker-registry restricted (restricted-read)'
const refused = {
  'content-type': 'application/json',
  'www-authenticate': `Basic realm="${REALM}"`,
}
const body = {errors: [{code: 'UNAUTHORIZED', message: 'authentication required'}]}

describe('a 401 names the repository and the realm that refused', () => {
  useNock()
  let folder: string
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'registryctl-refusal-'))
    const auth = Buffer.from('ci-build:build-secret').toString('base64')
    await writeFile(join(folder, 'config.json'), JSON.stringify({auths: {[HOST]: {auth}}}))
  })
  after(() => rm(folder, {recursive: true, force: true}))

  // Requests: anonymous only, or anonymous then with the credentials.
  const cases: Array<[string, () => ReturnType<typeof testSession>, RegExp, number]> = [
    ['without credentials', () => testSession(), /no credentials/, 1],
    [
      'with credentials from docker config.json',
      () => testSession({ignoreDockerConfig: false, configPath: join(folder, 'config.json')}),
      /rejected credentials from .*config\.json/,
      2,
    ],
    [
      'with --username',
      () => testSession({explicit: {username: 'ci-build', password: 'build-secret'}}),
      /rejected credentials from --username/,
      2,
    ],
  ]
  for (const [label, session, tried, requests] of cases) {
    it(label, async () => {
      nock(REGISTRY).get('/v2/restricted/secret/tags/list?n=1000').times(requests).reply(401, body, refused)
      const error = await session()
        .client({host: HOST})
        .tags('restricted/secret')
        .then(
          () => assert.fail('expected a 401'),
          (caught: unknown) => caught,
        )
      assert.ok(error instanceof UnauthorizedError, String(error))
      assert.match(error.message, tried)
      assert.match(error.message, /\/v2\/restricted\/secret\/tags\/list/)
      assert.ok(error.message.includes(`realm "${REALM}"`), error.message)
      assert.equal(error.realm, REALM)
    })
  }

  it('when a token for a new scope is refused before the request is sent (a remembered Bearer challenge)', async () => {
    const bearer = {
      'content-type': 'application/json',
      'www-authenticate': 'Bearer realm="https://auth.test/token",service="registry.test"',
    }
    nock(REGISTRY)
      .get('/v2/open/app/tags/list?n=1000')
      .reply(401, body, bearer)
      .get('/v2/open/app/tags/list?n=1000')
      .reply(200, {tags: ['1']}, {'content-type': 'application/json'})
    nock('https://auth.test')
      .get('/token')
      .query((query) => query.scope === 'repository:open/app:pull')
      .reply(200, {token: 'open'})
      .get('/token')
      .query((query) => query.scope === 'repository:restricted/secret:pull')
      .reply(401, {details: 'no'})
    const client = testSession({explicit: {username: 'ci-build', password: 'build-secret'}}).client({host: HOST})
    await client.tags('open/app')
    const error = await client.tags('restricted/secret').then(
      () => assert.fail('expected a 401'),
      (caught: unknown) => caught,
    )
    assert.ok(error instanceof UnauthorizedError, String(error))
    assert.match(error.message, /\/v2\/restricted\/secret\/tags\/list/)
    assert.ok(error.message.includes('realm "https://auth.test/token"'), error.message)
  })
})
