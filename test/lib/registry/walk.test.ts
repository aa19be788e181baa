import {strict as assert} from 'node:assert'

import nock from 'nock'

import {RegistryCtlError} from '../../../src/lib/errors.js'
import {Inventory} from '../../../src/lib/registry/inventory.js'
import {walkRegistry} from '../../../src/lib/registry/walk.js'
import {HOST, REGISTRY, testSession, useNock} from '../../helpers/nock.js'

const json = {'content-type': 'application/json; charset=utf-8'}
const unauthorized = {errors: [{code: 'UNAUTHORIZED', message: 'authentication required'}]}

describe('the registry walk', () => {
  useNock()
  const inventory = () => new Inventory(testSession().client({host: HOST}))

  it('names a 401 repository with the realm of its own challenge, asking nothing more', async () => {
    nock(REGISTRY)
      .get('/v2/_catalog?n=1000')
      .reply(200, {repositories: ['open/app', 'restricted/secret']}, json)
      .get('/v2/open/app/tags/list?n=1000')
      .reply(200, {name: 'open/app', tags: ['v1']}, json)
      // Once: a second request for the realm would find no answer here, and the realm would be lost.
      .get('/v2/restricted/secret/tags/list?n=1000')
      .once()
      .reply(401, unauthorized, {
        ...json,
        'www-authenticate': 'Basic realm="docker-registry restricted (restricted-read)"',
      })
    const {repositories, unreadable} = await inventory().listImages({sort: 'name'})
    assert.deepEqual(
      repositories.map((repository) => repository.name),
      ['open/app'],
    )
    assert.deepEqual(
      unreadable.map(({name, status, realm}) => ({name, status, realm})),
      [{name: 'restricted/secret', status: 401, realm: 'docker-registry restricted (restricted-read)'}],
    )
  })

  it('asks anonymously for the realm of a 403 repository (accepted credentials, refused access)', async () => {
    nock(REGISTRY)
      .get('/v2/_catalog?n=1000')
      .reply(200, {repositories: ['restricted/secret']}, json)
      .get('/v2/restricted/secret/tags/list?n=1000')
      .reply(403, {errors: [{code: 'DENIED', message: 'requested access to the resource is denied'}]}, json)
      .get('/v2/restricted/secret/tags/list')
      .reply(401, unauthorized, {...json, 'www-authenticate': 'Basic realm="restricted-read"'})
    const {unreadable} = await inventory().listImages({sort: 'name'})
    assert.deepEqual(
      unreadable.map(({name, status, realm}) => ({name, status, realm})),
      [{name: 'restricted/secret', status: 403, realm: 'restricted-read'}],
    )
  })

  const client = () => testSession().client({host: HOST})
  const tagCount = async (name: string) => (await client().tags(name)).length

  it('reads only what the selection keeps, in catalog order, and names the refused ones by name', async () => {
    const refused = {...json, 'www-authenticate': 'Basic realm="r"'}
    nock(REGISTRY)
      .get('/v2/_catalog?n=1000')
      .reply(200, {repositories: ['a/one', 'b/skipped', 'c/two', 'z/refused', 'y/refused']}, json)
      .get('/v2/a/one/tags/list?n=1000')
      .reply(200, {tags: ['1']}, json)
      .get('/v2/c/two/tags/list?n=1000')
      .reply(200, {tags: ['1', '2']}, json)
      .get('/v2/z/refused/tags/list?n=1000')
      .reply(401, unauthorized, refused)
      .get('/v2/y/refused/tags/list?n=1000')
      .reply(401, unauthorized, refused)
    // b/skipped has no interceptor: reading it would fail the test.
    const walk = await walkRegistry(client(), {select: (name) => !name.startsWith('b/'), read: tagCount})
    assert.deepEqual(walk.repositories, [
      {name: 'a/one', value: 1},
      {name: 'c/two', value: 2},
    ])
    assert.deepEqual(
      walk.unreadable.map(({name, status, realm}) => ({name, status, realm})),
      [
        {name: 'y/refused', status: 401, realm: 'r'},
        {name: 'z/refused', status: 401, realm: 'r'},
      ],
    )
  })

  it('fails on anything but a refusal: a repository answering 404 to a read, or the catalog itself refused', async () => {
    nock(REGISTRY)
      .get('/v2/_catalog?n=1000')
      .reply(200, {repositories: ['gone/app']}, json)
      .get('/v2/gone/app/tags/list?n=1000')
      .reply(404, {errors: [{code: 'NAME_UNKNOWN'}]}, json)
    await assert.rejects(walkRegistry(client(), {read: tagCount}), (error: unknown) => {
      assert.ok(error instanceof RegistryCtlError && error.exitCode === 7, String(error))
      return true
    })
    nock(REGISTRY)
      .get('/v2/_catalog?n=1000')
      .reply(401, unauthorized, {...json, 'www-authenticate': 'Basic realm="x"'})
    await assert.rejects(walkRegistry(client(), {read: tagCount}), /_catalog/)
  })
})
