import {strict as assert} from 'node:assert'

import nock from 'nock'

import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import type {SwiftParameters} from '../../../src/lib/stores/config.js'
import type {ListPage} from '../../../src/lib/stores/storage.js'
import {analyzeStore} from '../../../src/lib/gc/store.js'
import {SwiftReader} from '../../../src/lib/stores/swift.js'
import {useNock} from '../../helpers/nock.js'

const AUTH = 'https://swift.test/auth/v1.0'
const STORAGE = 'https://swift.test/v1/AUTH_reg'
const SECRET = 'swift-password-8c1e'
const parameters: SwiftParameters = {
  authurl: AUTH,
  username: 'reg:user',
  password: SECRET,
  container: 'docker',
  prefix: '/prod',
}

function reader(overrides: Partial<SwiftParameters> = {}): SwiftReader {
  return new SwiftReader({...parameters, ...overrides}, {retryBaseMs: 1, retryMaxMs: 20, retries: 2})
}

function auth(token = 'tk1') {
  return nock('https://swift.test')
    .get('/auth/v1.0')
    .matchHeader('x-auth-user', 'reg:user')
    .matchHeader('x-auth-key', SECRET)
    .reply(200, '', {'x-auth-token': token, 'x-storage-url': STORAGE})
}

async function collect(pages: AsyncIterable<ListPage>): Promise<ListPage[]> {
  const found: ListPage[] = []
  for await (const page of pages) found.push(page)
  return found
}

const names = (count: number, from = 0) =>
  Array.from({length: count}, (_, i) => ({
    name: `prod/files/x/${String(from + i).padStart(6, '0')}`,
    bytes: 3,
    hash: 'abc',
    last_modified: '2024-01-01T00:00:00.000000',
  }))

describe('gc/swift reader', () => {
  useNock()

  it('lists with prefix, delimiter and marker, 10,000 names a page, and stops on a short page', async () => {
    auth()
    const api = nock(STORAGE)
    api
      .get('/docker')
      .query({format: 'json', prefix: 'prod/files/x/', limit: '10000'})
      .matchHeader('x-auth-token', 'tk1')
      .reply(200, names(10_000))
    api
      .get('/docker')
      .query({format: 'json', prefix: 'prod/files/x/', limit: '10000', marker: 'prod/files/x/009999'})
      .reply(200, names(2, 10_000))
    const pages = await collect(reader().list('x/'))
    assert.deepEqual(
      pages.map((page) => page.objects.length),
      [10_000, 2],
    )
    assert.equal(pages[1]!.objects[1]!.key, 'x/010001')
    assert.equal(pages[0]!.objects[0]!.size, 3)
    assert.equal(pages[0]!.objects[0]!.modified, Date.parse('2024-01-01T00:00:00Z'))
  })

  it('asks once more after a page ending exactly at the limit, and takes an empty (or 204) page as the end', async () => {
    auth()
    nock(STORAGE)
      .get('/docker')
      .query((q) => !q.marker)
      .reply(200, names(10_000))
    nock(STORAGE)
      .get('/docker')
      .query((q) => q.marker === 'prod/files/x/009999')
      .reply(200, [])
    assert.deepEqual(
      (await collect(reader().list('x/'))).map((page) => page.objects.length),
      [10_000, 0],
    )
    auth()
    nock(STORAGE).get('/docker').query(true).reply(204)
    assert.deepEqual(
      (await collect(reader().list('x/'))).map((page) => page.objects.length),
      [0],
    )
  })

  it('gives sub-folders with a delimiter, and leaves 0-byte objects (DLO manifests) unsized', async () => {
    auth()
    nock(STORAGE)
      .get('/docker')
      .query({format: 'json', prefix: 'prod/files/docker/', delimiter: '/', limit: '10000'})
      .reply(200, [
        {subdir: 'prod/files/docker/a/'},
        {name: 'prod/files/docker/data', bytes: 0, hash: 'd41d8cd98f00b204e9800998ecf8427e'},
      ])
    const [page] = await collect(reader().list('docker/', {delimiter: true}))
    assert.deepEqual(page!.prefixes, ['docker/a/'])
    assert.equal(page!.objects[0]!.key, 'docker/data')
    assert.equal(page!.objects[0]!.size, undefined)
  })

  it('falls back to 1,000 names a page when the proxy answers 412 to a limit of 10,000', async () => {
    auth()
    nock(STORAGE)
      .get('/docker')
      .query((q) => q.limit === '10000')
      .reply(412, 'Maximum limit is 1000')
    nock(STORAGE)
      .get('/docker')
      .query((q) => q.limit === '1000' && !q.marker)
      .reply(200, names(1000))
    nock(STORAGE)
      .get('/docker')
      .query((q) => q.limit === '1000' && q.marker === 'prod/files/x/000999')
      .reply(200, names(5, 1000))
    assert.deepEqual(
      (await collect(reader().list('x/'))).map((page) => page.objects.length),
      [1000, 5],
    )
  })

  it('authenticates once more when the token expires mid-listing, and only once', async () => {
    auth('tk1')
    nock(STORAGE)
      .get('/docker')
      .query((q) => !q.marker)
      .matchHeader('x-auth-token', 'tk1')
      .reply(200, names(10_000))
    nock(STORAGE)
      .get('/docker')
      .query((q) => Boolean(q.marker))
      .matchHeader('x-auth-token', 'tk1')
      .reply(401)
    auth('tk2')
    nock(STORAGE)
      .get('/docker')
      .query((q) => Boolean(q.marker))
      .matchHeader('x-auth-token', 'tk2')
      .reply(200, names(1, 10_000))
    assert.deepEqual(
      (await collect(reader().list('x/'))).map((page) => page.objects.length),
      [10_000, 1],
    )

    auth('tk3')
    nock(STORAGE).get('/docker').query(true).reply(401)
    auth('tk4')
    nock(STORAGE).get('/docker').query(true).reply(401)
    await assert.rejects(
      collect(reader().list('x/')),
      (error: RegistryCtlError) =>
        error.exitCode === ExitCode.UNAUTHORIZED &&
        /swift refused the token for container docker \(401\)/.test(error.message),
    )
  })

  it('waits out throttling (498 and 429) and gives up after the retries with exit code 9', async () => {
    auth()
    nock(STORAGE)
      .get('/docker')
      .query(true)
      .reply(498, 'Slow down')
      .get('/docker')
      .query(true)
      .reply(429, '', {'retry-after': '0'})
      .get('/docker')
      .query(true)
      .reply(200, names(1))
    assert.deepEqual(
      (await collect(reader().list('x/'))).map((page) => page.objects.length),
      [1],
    )
    auth()
    nock(STORAGE).get('/docker').query(true).times(3).reply(498, 'Slow down')
    await assert.rejects(
      collect(reader().list('x/')),
      (error: RegistryCtlError) => error.exitCode === ExitCode.REGISTRY && /swift answered 498/.test(error.message),
    )
  })

  it('reads an object, sizes it with HEAD, and says undefined for a missing one', async () => {
    auth()
    nock(STORAGE)
      .get('/docker/prod/files/docker/registry/v2/blobs/sha256/ab/abc/data')
      .reply(200, '{"layers":[]}')
      .head('/docker/prod/files/docker/registry/v2/blobs/sha256/ab/abc/data')
      .reply(200, '', {'content-length': '5242881', 'x-object-manifest': 'docker/segments/abc'})
      .get('/docker/prod/files/missing')
      .reply(404)
    const swift = reader()
    assert.equal((await swift.read('docker/registry/v2/blobs/sha256/ab/abc/data'))!.toString(), '{"layers":[]}')
    assert.equal((await swift.stat('docker/registry/v2/blobs/sha256/ab/abc/data'))!.size, 5_242_881)
    assert.equal(await swift.read('missing'), undefined)
  })

  it('authenticates with Keystone v3: user and project domains, region and interface from the config', async () => {
    nock('https://keystone.test')
      .post(
        '/v3/auth/tokens',
        (body: {
          auth: {
            identity: {password: {user: {name: string; password: string; domain: {name: string}}}}
            scope: {project: {name: string; domain: {name: string}}}
          }
        }) => {
          const {user} = body.auth.identity.password
          return (
            user.name === 'reg' &&
            user.password === SECRET &&
            user.domain.name === 'users' &&
            body.auth.scope.project.name === 'docker' &&
            body.auth.scope.project.domain.name === 'projects'
          )
        },
      )
      .reply(
        201,
        {
          token: {
            catalog: [
              {type: 'identity', endpoints: [{interface: 'public', region: 'eqiad', url: 'https://keystone.test/v3'}]},
              {
                type: 'object-store',
                endpoints: [
                  {interface: 'public', region: 'codfw', url: 'https://wrong.test/v1/AUTH_x'},
                  {interface: 'internal', region: 'eqiad', url: 'https://wrong.test/v1/AUTH_y'},
                  {interface: 'public', region: 'eqiad', url: STORAGE},
                ],
              },
            ],
          },
        },
        {'x-subject-token': 'ks-token'},
      )
    nock(STORAGE).head('/docker').matchHeader('x-auth-token', 'ks-token').reply(204)
    const swift = new SwiftReader({
      authurl: 'https://keystone.test/v3',
      username: 'reg',
      password: SECRET,
      container: 'docker',
      domain: 'users',
      tenant: 'docker',
      tenantdomain: 'projects',
      region: 'eqiad',
    })
    await swift.check()
  })

  it('says in one line that the credentials were refused, or that the container is missing, never the password', async () => {
    nock('https://swift.test').get('/auth/v1.0').reply(401, 'Unauthorized')
    await assert.rejects(
      reader().check(),
      (error: RegistryCtlError) =>
        error.exitCode === ExitCode.UNAUTHORIZED &&
        !error.message.includes(SECRET) &&
        /refused the credentials of reg:user \(401\)/.test(error.message),
    )
    auth()
    nock(STORAGE).head('/docker').reply(404)
    await assert.rejects(
      reader().check(),
      (error: RegistryCtlError) =>
        error.exitCode === ExitCode.NOT_FOUND && /swift container docker does not exist/.test(error.message),
    )
  })

  it('drives the analysis: a store with nothing under docker/registry/v2 holds no registry', async () => {
    auth()
    nock(STORAGE)
      .head('/docker')
      .reply(204)
      .get('/docker')
      .query({format: 'json', prefix: 'prod/files/docker/registry/v2/', delimiter: '/', limit: '10000'})
      .reply(200, [])
    await assert.rejects(
      analyzeStore(reader()),
      (error: RegistryCtlError) =>
        error.exitCode === ExitCode.USAGE &&
        /swift container docker prefix prod .* holds no registry/.test(error.message),
    )
  })
})
