import {strict as assert} from 'node:assert'

import nock from 'nock'

import {Inventory} from '../../../src/lib/registry/inventory.js'
import {HOST, REGISTRY, testSession, useNock} from '../../helpers/nock.js'

const json = {'content-type': 'application/json; charset=utf-8'}
const unauthorized = {errors: [{code: 'UNAUTHORIZED', message: 'authentication required'}]}

describe('partial listing', () => {
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
})
