import {strict as assert} from 'node:assert'

import nock from 'nock'

import {ExitCode, type RegistryCtlError} from '../../../../src/lib/errors.js'
import {HOST, REGISTRY, testSession, useNock} from '../../../helpers/nock.js'

const TOKEN_REALM = 'https://auth.test/token'
const bearer = (scope: string) => ({
  'www-authenticate': `Bearer realm="${TOKEN_REALM}",service="registry.test",scope="${scope}"`,
})
const SECRET = 's3cret-password'

describe('auth/authenticator', () => {
  useNock()

  it('fetches a Bearer token for the scope, then reuses it without another 401', async () => {
    nock(REGISTRY).get('/v2/team/app/tags/list?n=1000').reply(401, '', bearer('repository:team/app:pull'))
    nock('https://auth.test')
      .get('/token')
      .query({service: 'registry.test', scope: 'repository:team/app:pull'})
      .reply(200, {token: 'T1', expires_in: 300})
    nock(REGISTRY, {reqheaders: {authorization: 'Bearer T1'}})
      .get('/v2/team/app/tags/list?n=1000')
      .twice()
      .reply(200, {tags: ['a']})
    const client = testSession().client({host: HOST})
    assert.deepEqual(await client.tags('team/app'), ['a'])
    assert.deepEqual(await client.tags('team/app'), ['a'])
  })

  it('accepts access_token, sends Basic credentials to the realm, and refreshes an expired token', async () => {
    let now = 0
    const session = testSession({explicit: {username: 'bot', password: SECRET}, now: () => now})
    const basic = `Basic ${Buffer.from(`bot:${SECRET}`).toString('base64')}`
    nock(REGISTRY).get('/v2/a/tags/list?n=1000').reply(401, '', bearer('repository:a:pull'))
    nock('https://auth.test', {reqheaders: {authorization: basic}})
      .get('/token')
      .query(true)
      .reply(200, {access_token: 'OLD'})
    nock('https://auth.test', {reqheaders: {authorization: basic}})
      .get('/token')
      .query(true)
      .reply(200, {token: 'NEW'})
    nock(REGISTRY, {reqheaders: {authorization: 'Bearer OLD'}})
      .get('/v2/a/tags/list?n=1000')
      .reply(200, {tags: []})
    nock(REGISTRY, {reqheaders: {authorization: 'Bearer NEW'}})
      .get('/v2/a/tags/list?n=1000')
      .reply(200, {tags: ['x']})
    const client = session.client({host: HOST})
    assert.deepEqual(await client.tags('a'), [])
    now = 61_000 // past the default 60 s lifetime
    assert.deepEqual(await client.tags('a'), ['x'])
  })

  it('exchanges an identity token with a refresh_token POST', async () => {
    nock(REGISTRY).get('/v2/').reply(401, '', bearer(''))
    nock('https://auth.test')
      .post(
        '/token',
        (body: Record<string, string>) =>
          body.grant_type === 'refresh_token' && body.refresh_token === 'REFRESH' && body.service === 'registry.test',
      )
      .reply(200, {access_token: 'AT'})
    nock(REGISTRY, {reqheaders: {authorization: 'Bearer AT'}})
      .get('/v2/')
      .reply(200, '{}', {'docker-distribution-api-version': 'registry/2.0'})
    const session = testSession()
    // Credentials as docker's config gives them for `<token>` users.
    ;(session.auth as unknown as {credentials: () => Promise<unknown>}).credentials = async () => ({
      credentials: {identityToken: 'REFRESH', source: 'test'},
      tried: ['test'],
    })
    assert.equal((await session.client({host: HOST}).ping()).apiVersion, 'registry/2.0')
  })

  it('answers Basic challenges with the explicit credentials', async () => {
    nock(REGISTRY).get('/v2/').reply(401, '', {'www-authenticate': 'Basic realm="docker-registry (regular-push)"'})
    nock(REGISTRY, {reqheaders: {authorization: `Basic ${Buffer.from(`bot:${SECRET}`).toString('base64')}`}})
      .get('/v2/')
      .reply(200, '{}')
    await testSession({explicit: {username: 'bot', password: SECRET}})
      .client({host: HOST})
      .ping()
  })

  it('says which sources were tried when it has no credentials', async () => {
    nock(REGISTRY).get('/v2/').reply(401, '', {'www-authenticate': 'Basic realm="x"'})
    const session = testSession({ignoreDockerConfig: false, configPath: '/nonexistent/config.json'})
    await assert.rejects(session.client({host: HOST}).ping(), (error: RegistryCtlError) => {
      return (
        error.exitCode === ExitCode.UNAUTHORIZED &&
        error.message.includes('/nonexistent/config.json (absent)') &&
        /--username/.test(error.hint ?? '')
      )
    })
  })

  it('reports rejected credentials by source, never by value', async () => {
    nock(REGISTRY).get('/v2/').twice().reply(401, '', {'www-authenticate': 'Basic realm="x"'})
    await assert.rejects(
      testSession({explicit: {username: 'bot', password: SECRET}})
        .client({host: HOST})
        .ping(),
      (error: RegistryCtlError) => {
        return (
          error.exitCode === ExitCode.UNAUTHORIZED &&
          error.message.includes('--username/--password-stdin') &&
          !error.message.includes(SECRET) &&
          !error.message.includes('bot:')
        )
      },
    )
  })

  it('refuses to send credentials over plain HTTP to a remote host', async () => {
    nock('http://registry.test').get('/v2/').reply(401, '', {'www-authenticate': 'Basic realm="x"'})
    const client = testSession({explicit: {username: 'bot', password: SECRET}}).client({host: HOST, scheme: 'http'})
    await assert.rejects(
      client.ping(),
      (error: RegistryCtlError) =>
        /refusing to send credentials .* over plain HTTP to registry.test/.test(error.message) &&
        !error.message.includes(SECRET),
    )
  })

  it('sends them over plain HTTP with --insecure', async () => {
    nock('http://registry.test').get('/v2/').reply(401, '', {'www-authenticate': 'Basic realm="x"'})
    nock('http://registry.test')
      .get('/v2/')
      .matchHeader('authorization', /^Basic /)
      .reply(200, '{}')
    await testSession({insecure: true, explicit: {username: 'bot', password: SECRET}})
      .client({host: HOST, scheme: 'http'})
      .ping()
  })

  it('turns a token server refusal into a 401 error', async () => {
    nock(REGISTRY).get('/v2/').reply(401, '', bearer(''))
    nock('https://auth.test').get('/token').query(true).reply(401)
    await assert.rejects(
      testSession().client({host: HOST}).ping(),
      (error: RegistryCtlError) =>
        error.exitCode === ExitCode.UNAUTHORIZED && /token server auth.test refused/.test(error.message),
    )
  })

  it('rejects a token answer without a token or that is not JSON', async () => {
    nock(REGISTRY).get('/v2/').reply(401, '', bearer(''))
    nock('https://auth.test').get('/token').query(true).reply(200, '<html>')
    await assert.rejects(testSession().client({host: HOST}).ping(), /not JSON/)
  })
})
